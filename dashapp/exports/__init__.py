"""Exports: every row a filter matches as CSV, and PDF snapshots of a view (KPIs, vector charts, full tables).

- `target`    what an export is of: a page with its query string, or a saved view (`ExportTarget`)
- `csvfile`   streams the rows to a UTF-8 CSV with a header (numbers unformatted)
- `sections`  what a PDF shows, read through the same queries and figure factories as the pages
- `pdf`       lays sections out with reportlab (A4 or Letter, repeated table headers, charts as vectors)
- `files`     where files live, their names, and who may download them
- `service`   request an export (a row, then a job on the "exports" queue); the job builds the file

Pure of Flask and Dash: callers pass the acting user and a session.
"""
