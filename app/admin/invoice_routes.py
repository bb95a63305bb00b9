"""Admin: the invoices and credit notes of a period (CSV) and the tax summary by country
and rate (app/invoices/reports.py)."""

from flask import Response, render_template, request

from app.admin import bp
from app.admin.auth import admin_required
from app.invoices import reports


def _period():
    """(start, end, error) from ?from=…&to=… (UTC days; either may be left empty)."""
    return reports.parse_period(request.args.get("from", ""), request.args.get("to", ""))


@bp.get("/invoices")
@admin_required
def show_invoices():
    """The tax summary of a period and its documents, with the CSV link."""
    start, end, error = _period()
    documents = [] if error else reports.documents_between(start, end)
    return render_template("admin/invoices.html", error=error, documents=documents,
                           summary=reports.tax_summary(documents),
                           start=request.args.get("from", ""),
                           end=request.args.get("to", "")), 400 if error else 200


@bp.get("/invoices.csv")
@admin_required
def export_invoices():
    """Every invoice and credit note of the period as CSV (credit notes negative)."""
    start, end, error = _period()
    if error:
        return Response(error + "\n", status=400, mimetype="text/plain")
    name = f"invoices-{start or 'start'}-{end or 'today'}.csv"
    return Response(reports.csv_text(reports.documents_between(start, end)),
                    mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
