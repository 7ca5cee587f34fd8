"""The Textual dashboard: set hyperparameters, watch training live.

``app.py`` holds the App and the training worker; ``screens/`` one module per screen
(setup, training, help); ``widgets/`` the parts they share (form fields, charts, the
run's status panel). The dashboard only shows what the trainer reports: it has no
training logic of its own.
"""
