"""The Excel boundary: the Python entry points behind the Service ribbon (entry), the live
workbook they read and write through xlwings (book), and a fake of those xlwings calls (fake)."""
