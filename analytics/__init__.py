"""The engine: no Streamlit import. Importing the package wires its layers: ``kpis``
registers the KPI cube with the store (``store.on_change``), so every write rebuilds it
while the store itself never imports the layers above it."""

from . import kpis  # noqa: F401
