"""The Clockify detailed report: its header, read by the shared report reader (reports.py)."""

from .csvfile import Source

SOURCE = Source(
    "clockify",
    "Clockify detailed report",
    ("Project", "Description", "Start Date", "Start Time", "End Date", "End Time", "Duration (h)"),
    ("duration (h)", "duration (decimal)"),
    "Project, Client, Description, Task, User, Group, Email, Tags, Billable, Start Date, Start Time, "
    "End Date, End Time, Duration (h), Duration (decimal), Billable Rate (USD), Billable Amount (USD)",
)
