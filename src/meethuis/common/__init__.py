"""What every stage uses: our error types, number and text formatting (``narrative``), plot style."""
