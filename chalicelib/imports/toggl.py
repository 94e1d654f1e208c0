"""The Toggl Track detailed report: its header, read by the shared report reader (reports.py)."""

from .csvfile import Source

SOURCE = Source(
    "toggl",
    "Toggl Track detailed report",
    ("Project", "Description", "Start date", "Start time", "Duration"),
    ("duration",),
    "User, Email, Client, Project, Task, Description, Billable, Start date, Start time, "
    "End date, End time, Duration, Tags, Amount (USD)",
)
