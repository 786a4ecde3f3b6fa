"""Browser widgets, shipped inside the ``widgetserver`` package as ``widgetserver.widgets``."""
