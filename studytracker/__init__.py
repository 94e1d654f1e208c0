"""The operator's command line for StudyTracker (not deployed): ``python -m studytracker --help``."""
