"""``widgetserver demo``: the widget server beside a small demo shop that integrates it by hand."""
