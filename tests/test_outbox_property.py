"""The offline outbox's promise, as a property: whatever the network does, the server ends with exactly
the sessions the learner meant, none twice and none lost.

The client here follows the rules of web/src/offline/ (outbox.js and queue.js): every change gets its own
Idempotency-Key when the learner makes it; changes are sent oldest first; a failed send stops the run and
is retried later with the same key; a sent edit passes its new version on to later changes of the same
session. The network is drawn by Hypothesis for every delivery: down (nothing reaches the server), cut off
(the server acts, the answer is lost), duplicated (a second copy reaches the server later, after other
changes), or fine. The server is the real app on DynamoDB Local.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from conftest import NOW, Api, iso
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Each new session gets its own slot back from now (timers start at most 24 h ago): none overlap.
SLOT = timedelta(minutes=90)
NETWORK = st.sampled_from(["fine", "fine", "down", "cut off", "duplicated"])
ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(1, 80)),
        st.tuples(st.just("timer"), st.integers(1, 80)),
        st.tuples(st.just("edit"), st.integers(0, 20), st.text("abc あい", max_size=8)),
        st.tuples(st.just("shorten"), st.integers(0, 20), st.integers(1, 30)),
        st.tuples(st.just("delete"), st.integers(0, 20)),
        st.just(("sync",)),
        st.just(("late copy arrives",)),
    ),
    max_size=14,
)


@dataclass
class Entry:
    method: str
    path: str
    body: dict | None
    mine: int | None  # the learner's number for the session this change is about
    version: int | None = None
    key: str = field(default_factory=lambda: str(uuid.uuid4()))


class Learner:
    """What the learner meant, and a device with an outbox on a network Hypothesis controls."""

    def __init__(self, api: Api, subject_id: str, draw):
        self.api, self.subject_id, self.draw = api, subject_id, draw
        self.meant: dict[int, dict] = {}  # the learner's number -> the session as they left it
        self.server_id: dict[int, str] = {}
        self.version: dict[int, int] = {}
        self.outbox: list[Entry] = []
        self.late: list[Entry] = []
        self.slots = 0

    def deliver(self, entry: Entry):
        headers = {"Idempotency-Key": entry.key}
        if entry.version is not None:
            headers["If-Match"] = str(entry.version)
        status, body = self.api.call(entry.method, entry.path, entry.body, headers=headers)
        assert status < 300, (entry, status, body)  # every change here is valid: none may be refused
        return body

    def sync(self):
        while self.outbox:
            entry = self.outbox[0]
            network = self.draw(NETWORK)
            if network == "down":
                return
            answer = self.deliver(entry)
            if network == "cut off":
                return  # the server acted; the device never heard, so the change stays, with its key
            if network == "duplicated":
                self.late.append(entry)
            self.sent(entry, answer)

    def sent(self, entry: Entry, answer):
        self.outbox.pop(0)
        if entry.mine is None or not isinstance(answer, dict) or "id" not in answer:
            return
        self.server_id.setdefault(entry.mine, answer["id"])
        self.version[entry.mine] = answer["version"]
        for later in self.outbox:  # queue.js afterSent
            if later.mine == entry.mine and later.version is not None:
                later.version = answer["version"]

    def slot(self):
        self.slots += 1
        return NOW - self.slots * SLOT

    def known(self, index: int) -> int | None:
        """The session the learner taps: one the server has an id for and they have not deleted."""
        editable = sorted(mine for mine in self.meant if mine in self.server_id)
        return editable[index % len(editable)] if editable else None

    def act(self, action: tuple):
        """One thing the learner does; like outbox.submit, a change is sent at once when the network allows."""
        kind = action[0]
        if kind in ("add", "timer"):
            start = self.slot()
            mine = self.slots
            session = {
                "subject_id": self.subject_id,
                "started_at": iso(start),
                "ended_at": iso(start + timedelta(minutes=action[1])),
                "note": "",
            }
            self.meant[mine] = session
            if kind == "add":
                self.outbox.append(Entry("post", "/v1/sessions", dict(session), mine))
            else:  # a timer started and stopped: each press carries its own moment (timer.js)
                self.outbox.append(
                    Entry(
                        "post",
                        "/v1/timer/start",
                        {"subject_id": self.subject_id, "started_at": session["started_at"]},
                        None,
                    )
                )
                self.outbox.append(Entry("post", "/v1/timer/stop", {"ended_at": session["ended_at"]}, mine))
        elif kind in ("edit", "shorten", "delete"):
            mine = self.known(action[1])
            if mine is None:
                return
            path = f"/v1/sessions/{self.server_id[mine]}"
            if kind == "delete":
                del self.meant[mine]
                self.outbox.append(Entry("delete", path, None, mine, self.version[mine]))
                return
            if kind == "edit":
                change = {"note": action[2]}
            else:
                started = self.meant[mine]["started_at"]
                change = {"ended_at": iso(_parse(started) + timedelta(minutes=action[2]))}
            self.meant[mine] = {**self.meant[mine], **change}
            self.outbox.append(Entry("patch", path, change, mine, self.version[mine]))
        elif kind == "late copy arrives" and self.late:
            self.deliver(self.late.pop(self.draw(st.integers(0, len(self.late) - 1))))


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def stored(api: Api) -> list[dict]:
    status, page = api.get("/v1/sessions?limit=200")
    assert status == 200 and page["next_cursor"] is None
    fields = ("subject_id", "started_at", "ended_at", "note")
    return sorted(({name: item[name] for name in fields} for item in page["items"]), key=json.dumps)


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS, data=st.data())
def test_whatever_the_network_does_the_server_ends_with_the_sessions_the_learner_meant(client, actions, data):
    api = Api(client, f"outbox-{uuid.uuid4().hex[:12]}")
    status, subject = api.post("/v1/subjects", {"name": "Reading"})
    assert status == 201, subject
    learner = Learner(api, subject["id"], data.draw)
    for action in actions:
        learner.act(action)
        learner.sync()  # a change is sent as it is made; "sync" alone is the network returning later

    # The network returns for good: what waits is sent, and every late copy arrives at last.
    while learner.outbox:
        learner.sent(learner.outbox[0], learner.deliver(learner.outbox[0]))
    while learner.late:
        learner.deliver(learner.late.pop())

    meant = sorted(learner.meant.values(), key=json.dumps)
    assert stored(api) == meant
    assert api.get("/v1/timer")[0] == 404
