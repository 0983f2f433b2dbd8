"""The feedback loop: scrub personal data from open answers (:mod:`.scrubbing`), assign them to driver
themes (:mod:`.themes`), and keep the improvement log behind "Jullie zeiden, wij deden"
(:mod:`.improvements`). Every table passes :func:`meethuis.stats.disclosure.protect_table`.
"""
from meethuis.improve.feedback.scrubbing import (  # noqa: F401
    TAGS,
    STRUCTURED_KINDS,
    IBAN_LENGTHS,
    Match,
    bsn_is_valid,
    iban_is_valid,
    find_personal_data,
    scrub,
    scrub_series,
    publishable_labels,
    SCANNED_SUFFIXES,
    IMAGE_SUFFIXES,
    Leak,
    find_leaks,
)
from meethuis.improve.feedback.themes import (  # noqa: F401
    POLARITIES,
    SENTIMENT_LABELS,
    LEXICON_FILE,
    Lexicon,
    load_lexicon,
    theme_mentions,
    assign_themes,
    GRADE_GROUPS,
    GROUP_LABELS,
    grade_group,
    answered,
    theme_table,
    example_quotes,
)
from meethuis.improve.feedback.improvements import (  # noqa: F401
    STATUSES,
    Improvement,
    load_improvements,
    you_said_we_did,
    praise,
    driver_importance,
)
