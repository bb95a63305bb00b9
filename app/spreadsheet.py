"""What a spreadsheet would run: the cells every CSV the store writes neutralises (the
purchases export in SQL, app/admin/csv_sql.py; the invoices CSV in Python)."""

#: A spreadsheet treats a cell starting with one of these as a formula (Excel and
#: LibreOffice read the full-width forms ＝＋－＠ as their ASCII twins).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralised(text):
    """A text cell as the store's CSVs write it: a leading quote when it starts like a
    formula, so that a spreadsheet shows it instead of running it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
