"""The runs area: the table of every recorded run (``table.py``: ``RunsScreen``,
``RunAction``), its Textual-free model (``table_model.py``: columns, sorting, filtering,
row texts, which actions apply), its dialogs (``dialogs.py``: actions menu, rename,
delete, export, resume epochs) and the charts of one or several runs (``compare.py``:
``CompareScreen``, ``RunChartsScreen``).

Nothing is imported here, so the model loads without Textual: import from the modules.
"""
