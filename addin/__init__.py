"""The Service add-in: a 4S store's after-sales service department run from an Excel workbook."""

__version__ = "0.1.0"
