"""One view module per chapter notebook (``notebooks/05_drijfveren.ipynb`` <-> ``drijfveren.py``);
what several chapters share lives in :mod:`.common`."""
