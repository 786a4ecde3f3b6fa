"""Package discovery for setuptools; everything else is in pyproject.toml.

Every ``widgetserver.*`` package (a folder with an ``__init__.py``) is found, so a new
subpackage ships without an edit here. ``widgetserver.widgets`` is added by name: it is the
top-level ``widgets/`` folder (mapped in ``[tool.setuptools.package-dir]``), and pyproject's
``[tool.setuptools.packages.find]`` can only name packages after the folders it searches
(``widgets``, never ``widgetserver.widgets``), while ``packages`` is either that table or a
hand-written list, not both.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["widgetserver", "widgetserver.*"]), "widgetserver.widgets"])
