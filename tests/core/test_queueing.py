"""core.queueing: work is published after commit; a broker that is down is logged, never raised,
and the caller's fallback runs in the request."""

import logging
from unittest import mock

import pytest
from django.db import transaction

from core.queueing import enqueue, enqueue_on_commit


class Task:
    """A task whose broker is up (records what it was given) or down (raises)."""

    name = "tests.task"

    def __init__(self, *, broker_up=True):
        self.broker_up = broker_up
        self.published = []

    def apply_async(self, *, args, countdown):
        if not self.broker_up:
            raise ConnectionError("broker down")
        self.published.append((args, countdown))


def test_a_task_is_published_with_its_arguments_and_countdown():
    task = Task()

    assert enqueue(task, 1, [2, 3], countdown=60) is True

    assert task.published == [((1, [2, 3]), 60)]


def test_a_broker_that_is_down_is_logged_with_the_named_recovery(caplog):
    with caplog.at_level(logging.WARNING, logger="core.queueing"):
        taken = enqueue(
            Task(broker_up=False), 7, label="notification 7", recovery="the sweep will retry"
        )

    assert taken is False
    assert caplog.messages == ["Could not enqueue notification 7; the sweep will retry."]


def test_with_the_broker_down_the_fallback_runs_in_the_request(caplog):
    fallback = mock.Mock()

    with caplog.at_level(logging.WARNING, logger="core.queueing"):
        enqueue(Task(broker_up=False), "a@example.nl", fallback=fallback)

    fallback.assert_called_once_with()
    assert caplog.messages == ["Could not enqueue tests.task; running it in the request."]


def test_with_the_broker_up_the_fallback_does_not_run():
    fallback = mock.Mock()

    enqueue(Task(), fallback=fallback)

    fallback.assert_not_called()


@pytest.mark.django_db(transaction=True)
def test_nothing_is_published_before_commit_and_nothing_after_a_rollback():
    task = Task()

    with transaction.atomic():
        enqueue_on_commit(task, 1)
        assert task.published == []
    assert task.published == [((1,), None)]

    with transaction.atomic():
        enqueue_on_commit(task, 2)
        transaction.set_rollback(True)
    assert task.published == [((1,), None)]
