"""One module per screen: setup (hyperparameters), training (live run), help (keys)."""
