"""The Textual dashboard: set hyperparameters, watch training live, browse past runs,
inspect a model. It only shows what the trainer, the run store and the inspection code
compute: it has no training logic of its own.

    app.py          ScratchnetApp: the screens' entry points, the training worker, the palette hook
    commands.py     the command palette's screen commands, from the current screen's bindings
    keys.py         reads the classes' BINDINGS for the help, the inspection keys modal, the palette
    messages.py     the trainer's events as Textual messages
    settings.py     what the dashboard remembers (last config, speeds, theme), in locations' config dir
    styles/         every stylesheet (*.tcss), one per area; css_path() for a class's CSS_PATH
    screens/        setup.py download.py training.py help.py, and help_screens(): every
                    screen the app can show, with its help title
      runs/         table.py (RunsScreen, RunAction), table_model.py (no Textual: columns,
                    sort, filter, texts), dialogs.py, compare.py (CompareScreen, RunChartsScreen)
      inspect/      base.py (InspectScreen, InspectKeysScreen), mistakes.py confusion.py
                    draw.py weights.py; __init__: the registry (INSPECT_SCREENS, make_inspect_screen)
    widgets/        parts the screens share: form fields, charts, run charts, the status panel,
                    digit and confusion grids, inspection parts, the enlarge message
"""
