"""Scheduled reports: a weekly or monthly executive summary (PDF) of a saved view or the whole book, emailed.

- `summary`  what the report says (KPIs and change, band migration, at-risk accounts with why they moved,
             top movers, renewals at risk), read through `dashapp.queries.overview` and laid out by the PDF
             builder of `dashapp.exports.pdf`
- `mail`     the message (PDF attached, a link back to the live view) and sending it over SMTP
- `service`  schedules (create, pause, list), periods, and one delivery per schedule and period
"""
