"""Invoices and credit notes: issued by the order lifecycle, numbered in one gap-free
series, frozen once issued, rendered to PDF (see README.md, "Tax and invoices")."""
