"""`make test` runs the browser tests beside the rest (studytracker/testrun.py): one exit status for both."""

from studytracker.testrun import NO_TESTS, outcome


def test_either_group_failing_fails_the_run():
    assert outcome([0, 0]) == 0
    assert outcome([1, 0]) == 1
    assert outcome([0, 1]) == 1
    assert outcome([2, 1]) == 2  # interrupted outranks failed


def test_a_group_with_nothing_selected_is_not_a_failure_unless_both_are_empty():
    assert outcome([NO_TESTS, 0]) == 0
    assert outcome([0, NO_TESTS]) == 0
    assert outcome([1, NO_TESTS]) == 1
    assert outcome([NO_TESTS, NO_TESTS]) == NO_TESTS
