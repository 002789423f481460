#!/usr/bin/python3
"""famlink_client: a municipality client for the famlink wire (famlink.v1) in
Python, written from PROTOCOL.md and proto/famlink.proto alone, as an outside
vendor would, plus interop scenarios that tests/integration/test_interop.c runs
against a real hub.

    famlink_client.py --scenario NAME --endpoint tcp://127.0.0.1:PORT
        --hub-id pool:NAME (--hub-key-file HUB.pub | --hub-key Z85)
        --node-id municipality:NNNN (--key-file NODE.key | --public-key Z85 --secret-key Z85)
        [--root REPO] [--report FILE] [--timeout SECONDS] [--verbose]

Scenarios: see SCENARIOS at the end. Exit status 0 when every expectation
held, 1 when one did not (each one printed as "FAIL: ..."), 2 on bad usage or
set-up trouble. --report FILE gets "name value" lines (message ids, referral
ids) so that the caller can look them up in the hub's store.

Only the standard library, pyzmq and protobuf. famlink_pb2 is generated at run
time with protoc into a temporary directory that is removed again.
"""

import argparse
import importlib
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

import zmq
from zmq.utils.monitor import recv_monitor_message

pb = None   # famlink_pb2, set by load_schema()
FD = None   # google.protobuf.descriptor.FieldDescriptor


def load_schema(root):
    """Runs protoc on ROOT/proto/famlink.proto into a temporary directory and
    imports the result."""
    global pb, FD
    from google.protobuf.descriptor import FieldDescriptor
    FD = FieldDescriptor
    tmp = tempfile.mkdtemp(prefix="famlink-py-")
    try:
        subprocess.run(["protoc", "--python_out=" + tmp, "--proto_path=proto",
                        "proto/famlink.proto"], cwd=root, check=True)
        sys.path.insert(0, tmp)
        try:
            pb = importlib.import_module("famlink_pb2")
        finally:
            sys.path.remove(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---- ids and small helpers ---------------------------------------------------

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
MESSAGE_ID_RE = re.compile(r"^[0-9A-Za-z_-]{1,32}$")


class Ulid:
    """ULIDs (PROTOCOL.md §4): 48-bit Unix ms, then 80 random bits, Crockford
    base32; the random part is incremented within one millisecond so ids never
    go backwards."""

    def __init__(self):
        self.last_ms = -1
        self.last_rand = 0

    def new(self):
        ms = int(time.time() * 1000)
        if ms <= self.last_ms:
            ms = self.last_ms
            rand = (self.last_rand + 1) & ((1 << 80) - 1)
        else:
            rand = secrets.randbits(80)
        self.last_ms, self.last_rand = ms, rand
        n = ms << 80 | rand
        return "".join(CROCKFORD[(n >> (5 * i)) & 31] for i in range(25, -1, -1))


def now_ms():
    return int(time.time() * 1000)


LEVELS = {1: "ACCEPTED", 2: "REJECTED", 3: "HANDED_OVER"}


def level_name(level):
    return LEVELS.get(level, "level %d" % level)


def code_name(code):
    try:
        return pb.ReceiptCode.Name(code)
    except ValueError:
        return "code %d" % code


def describe_entry(e):
    s = "%s %s" % (e.message_id or "<empty id>", level_name(e.level))
    if e.code:
        s += "/" + code_name(e.code)
    if e.reason:
        s += " (%s)" % e.reason
    return s


def read_key(path, name):
    """The value of a "NAME = KEY" line of a famlinkctl keygen file (§2.2)."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "=" not in line:
                continue
            k, v = line.split("=", 1)
            if k.strip() == name:
                return v.strip()
    raise SystemExit("%s: no %s line" % (path, name))


# ---- hand encoding -------------------------------------------------------------
#
# protobuf's own serializer always writes fields in field-number order, skips
# proto3 scalars that hold their default value and writes no unknown fields.
# Another encoder is free to do each of those differently; these helpers build
# the bytes field by field so that the scenarios can.

def varint(n):
    if n < 0:
        n += 1 << 64                  # int64: two's complement, 10 bytes
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def tag(number, wire_type):
    return varint(number << 3 | wire_type)


def len_field(number, payload):
    return tag(number, 2) + varint(len(payload)) + payload


class Style:
    """How to hand-encode: reverse the field order (at every level) and/or write
    proto3 scalar fields that hold their default value explicitly."""

    def __init__(self, reverse=False, defaults=False):
        self.reverse = reverse
        self.defaults = defaults


PLAIN = Style()


def encode_value(fd, value, style):
    if fd.type == FD.TYPE_MESSAGE:
        return len_field(fd.number, encode_message(value, style))
    if fd.type == FD.TYPE_STRING:
        return len_field(fd.number, value.encode("utf-8"))
    if fd.type == FD.TYPE_BYTES:
        return len_field(fd.number, bytes(value))
    if fd.type in (FD.TYPE_BOOL, FD.TYPE_ENUM, FD.TYPE_INT32, FD.TYPE_INT64,
                   FD.TYPE_UINT32, FD.TYPE_UINT64):
        return tag(fd.number, 0) + varint(int(value))
    raise ValueError("hand encoder: field %s has a type famlink.proto does not use" % fd.full_name)


def field_parts(msg, style=PLAIN):
    """(field number, encoded bytes) for every field of msg, in the order
    style asks for."""
    parts = []
    for fd in sorted(msg.DESCRIPTOR.fields, key=lambda f: f.number):
        value = getattr(msg, fd.name)
        if fd.label == FD.LABEL_REPEATED:
            parts += [(fd.number, encode_value(fd, v, style)) for v in value]
        elif fd.type == FD.TYPE_MESSAGE:
            if msg.HasField(fd.name):
                parts.append((fd.number, encode_value(fd, value, style)))
        elif value != fd.default_value or (style.defaults and fd.containing_oneof is None):
            parts.append((fd.number, encode_value(fd, value, style)))
    if style.reverse:
        # Highest field number first; the elements of a repeated field keep
        # their order, which is part of the value.
        parts.sort(key=lambda p: -p[0])
    return parts


def encode_message(msg, style=PLAIN):
    return b"".join(p for _, p in field_parts(msg, style))


def explicit_default(msg, name):
    """The encoding of msg's scalar field NAME written with its default value."""
    fd = msg.DESCRIPTOR.fields_by_name[name]
    return (fd.number, encode_value(fd, fd.default_value, PLAIN))


def encode_envelope(env, style=PLAIN, envelope_extra=(), body_extra=()):
    """env hand-encoded; envelope_extra are (number, bytes) parts placed just
    before the body, body_extra parts appended inside the body."""
    body = env.WhichOneof("body")
    fd = env.DESCRIPTOR.fields_by_name[body]
    inner = field_parts(getattr(env, body), style) + list(body_extra)
    body_part = (fd.number, len_field(fd.number, b"".join(p for _, p in inner)))
    head = [p for p in field_parts(env, style) if p[0] != fd.number]
    parts = list(envelope_extra) + [body_part]
    parts = head + parts if not style.reverse else [body_part] + list(envelope_extra) + head
    data = b"".join(p for _, p in parts)
    # The bytes must still mean env to any protobuf parser, or the test is wrong.
    back = pb.Envelope()
    back.ParseFromString(data)
    back.DiscardUnknownFields()
    if back != env:
        raise AssertionError("hand encoder: %s does not parse back to the same Envelope" % env.message_id)
    return data


# ---- the client ----------------------------------------------------------------

class ScenarioFailed(Exception):
    pass


class Client:
    """One municipality session with the hub: a CURVE DEALER (PROTOCOL.md §2),
    Hello on handshake (§5), sequenced messages out, Receipts in, and the hub's
    sequenced messages stored (in memory) and answered (§6, §7)."""

    def __init__(self, args):
        self.args = args
        self.node_id = args.node_id
        self.hub_id = args.hub_id
        self.verbose = args.verbose
        self.timeout = args.timeout
        self.ids = Ulid()
        self.failures = 0
        self.trace = []
        self.started = time.monotonic()
        self.next_seq = 1                # our channel to the hub
        self.unacked = {}                # our sequence -> messageId, waiting for a Receipt
        self.expect_from_hub = 1         # the hub's channel to us
        self.hub_inbox = {}              # messageId -> Envelope, as "stored"
        self.hub_rejected = {}           # messageId -> ReceiptEntry we answered
        self.receipts = {}               # messageId -> [ReceiptEntry] from the hub
        self.anonymous = []              # entries with an empty messageId
        self.hub_hellos = []             # Hello bodies from the hub
        self.referrals = set()           # our referral ids
        self.control = {}                # messageId -> "hello"/"receipt" we sent
        self.answer_style = None         # callable(hub Envelope) -> Receipt bytes, or None
        self.last_hello = 0.0
        self.ctx = None
        self.sock = None
        self.monitor = None

    # -- output --

    def log(self, text):
        """Traces a step: printed at once with --verbose, else only if the scenario fails."""
        line = "  %7.3f %s" % (time.monotonic() - self.started, text)
        self.trace.append(line)
        if self.verbose:
            print(line, file=sys.stderr, flush=True)

    def fail(self, text):
        self.failures += 1
        print("FAIL: " + text, file=sys.stderr, flush=True)

    def expect(self, cond, text):
        if not cond:
            self.fail(text)
        return cond

    # -- session --

    def connect(self):
        a = self.args
        self.ctx = zmq.Context()
        self.last_hello = time.monotonic()
        s = self.ctx.socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 1000)
        s.setsockopt_string(zmq.CURVE_SERVERKEY, a.hub_key)
        s.setsockopt_string(zmq.CURVE_PUBLICKEY, a.public_key)
        s.setsockopt_string(zmq.CURVE_SECRETKEY, a.secret_key)
        s.setsockopt(zmq.MAXMSGSIZE, 32 << 20)
        s.setsockopt(zmq.HEARTBEAT_IVL, 5000)
        s.setsockopt(zmq.HEARTBEAT_TIMEOUT, 15000)
        s.setsockopt(zmq.HEARTBEAT_TTL, 15000)
        s.setsockopt(zmq.RCVHWM, 100000)
        s.setsockopt(zmq.RECONNECT_IVL, 100)
        s.setsockopt(zmq.RECONNECT_IVL_MAX, 5000)
        # No ZMQ_ROUTING_ID: the hub refuses client-chosen ids (§2.1).
        self.monitor = s.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED |
                                            zmq.EVENT_HANDSHAKE_FAILED_AUTH |
                                            zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL |
                                            zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                                            zmq.EVENT_DISCONNECTED)
        s.connect(a.endpoint)
        self.sock = s
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if not self.monitor.poll(50):
                continue
            ev = recv_monitor_message(self.monitor)
            if ev["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED:
                self.log("handshake with %s succeeded" % a.endpoint)
                return
            if ev["event"] == zmq.EVENT_HANDSHAKE_FAILED_AUTH:
                # A long-running client would re-dial with a backoff (§2.3);
                # a test has its answer.
                raise ScenarioFailed("the hub refused our key (ZAP status %d): not in its allowlist?"
                                     % ev["value"])
            self.log("monitor event %d (value %d)" % (ev["event"], ev["value"]))
        raise ScenarioFailed("no CURVE handshake with %s within %.1f s" % (a.endpoint, self.timeout))

    def close(self):
        if self.monitor is not None:
            self.sock.disable_monitor()
            self.monitor.close(0)
        if self.sock is not None:
            self.sock.close()        # LINGER 1 s: our last Receipts still go out
        if self.ctx is not None:
            self.ctx.term()

    # -- building envelopes --

    def envelope(self, sequence=0, referral_id=""):
        env = pb.Envelope()
        env.message_id = self.ids.new()
        env.schema_version = pb.SCHEMA_VERSION_CURRENT
        env.sender = self.node_id
        env.recipient = self.hub_id
        env.created_at_ms = now_ms()
        env.referral_id = referral_id
        env.sequence = sequence
        return env

    def hello(self):
        env = self.envelope()
        env.hello.node_id = self.node_id
        env.hello.first_unacked_sequence = min(self.unacked) if self.unacked else self.next_seq
        env.hello.software = "famlink-interop-py/1"
        return env

    def take_seq(self):
        seq = self.next_seq
        self.next_seq += 1
        return seq

    def referral(self, referral_id, sequence=None, alias="Elsa"):
        """A Referral as in PROTOCOL.md §11, with the next sequence unless one is given."""
        env = self.envelope(self.take_seq() if sequence is None else sequence, referral_id)
        env.confidential = True
        r = env.referral
        r.referral_id = referral_id
        r.kind = pb.REFERRAL_KIND_FOSTER_HOME
        r.urgency = pb.URGENCY_NORMAL
        r.decision.taken = True
        r.decision.decided_on = "2025-03-07"
        r.decision.legal_basis = pb.LEGAL_BASIS_SOL
        r.child.alias = alias
        r.child.birth_year = 2014
        r.child.gender = pb.GENDER_GIRL
        r.child.languages.extend(["svenska", "arabiska"])
        r.child.needs = "Behöver lugn miljö nära skolan."
        r.child.wished_start = "2025-04-01"
        r.compensation.level = "Enligt riktlinje"
        r.secretary.name = "Karin Lund"
        r.secretary.phone = "08-508 000 00"
        r.secretary.email = "karin.lund@example.se"
        r.case_reference = "SoN 2025/0117-1"
        self.referrals.add(referral_id)
        return env

    def receipt(self, entries):
        env = self.envelope()
        for message_id, level, code, reason in entries:
            e = env.receipt.entries.add()
            e.message_id = message_id
            e.level = level
            e.code = code
            e.reason = reason
        return env

    # -- sending and receiving --

    def send(self, env, data=None):
        """Sends env, as protobuf writes it unless data (its hand-encoded bytes) is given."""
        hand = data is not None
        if not hand:
            data = env.SerializeToString()
        body = env.WhichOneof("body")
        if env.sequence:
            self.unacked[env.sequence] = env.message_id
        if body == "hello":
            self.last_hello = time.monotonic()
        if body in ("hello", "receipt"):
            self.control[env.message_id] = body
        self.log("-> %s seq %d id %s (%d bytes%s)" % (body, env.sequence, env.message_id, len(data),
                                                     ", hand-encoded: " + data.hex() if hand else ""))
        self.sock.send(data)

    def pump(self, timeout):
        """Handles frames from the hub for up to timeout seconds (less if one arrives)."""
        if self.sock.poll(int(timeout * 1000)):
            self.handle(self.sock.recv())
        if time.monotonic() - self.last_hello >= self.args.keepalive:
            self.send(self.hello())

    def wait_for(self, cond, timeout):
        deadline = time.monotonic() + timeout
        while not cond():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.pump(min(left, 0.05))
        return True

    def handle(self, data):
        env = pb.Envelope()
        try:
            env.ParseFromString(data)
        except Exception:
            self.fail("the hub sent %d bytes that do not parse as an Envelope" % len(data))
            self.send(self.receipt([("", pb.RECEIPT_LEVEL_REJECTED, pb.RECEIPT_CODE_MALFORMED,
                                     "not an Envelope")]))
            return
        body = env.WhichOneof("body")
        self.log("<- %s seq %d id %s%s" % (body, env.sequence, env.message_id,
                 "" if body != "receipt" else ": " + "; ".join(describe_entry(e) for e in env.receipt.entries)))
        self.expect(MESSAGE_ID_RE.match(env.message_id) is not None,
                    "hub message id %r is not 1-32 of [0-9A-Za-z_-]" % env.message_id)
        self.expect(env.sender == self.hub_id and env.recipient == self.node_id,
                    "hub %s frame addressed %s -> %s, expected %s -> %s"
                    % (body, env.sender, env.recipient, self.hub_id, self.node_id))
        if body in ("receipt", "hello"):
            self.expect(env.sequence == 0 and env.referral_id == "",
                        "hub %s with sequence %d, referralId %r (both must be empty)"
                        % (body, env.sequence, env.referral_id))
            if body == "receipt":
                for e in env.receipt.entries:
                    self.on_entry(e)
            else:
                self.expect(env.hello.node_id == self.hub_id,
                            "hub Hello names node %r" % env.hello.node_id)
                self.hub_hellos.append(env.hello)
            return
        self.on_sequenced(env)

    def on_entry(self, e):
        if not e.message_id:
            self.anonymous.append(e)
            return
        if e.message_id in self.control:
            # The hub could not use one of our Hellos or Receipts (§5).
            self.fail("the hub refused our %s: %s" % (self.control[e.message_id], describe_entry(e)))
            return
        self.receipts.setdefault(e.message_id, []).append(e)
        for seq, mid in list(self.unacked.items()):
            if mid == e.message_id and e.level in (pb.RECEIPT_LEVEL_ACCEPTED,
                                                   pb.RECEIPT_LEVEL_REJECTED,
                                                   pb.RECEIPT_LEVEL_HANDED_OVER):
                del self.unacked[seq]

    def on_sequenced(self, env):
        """A sequenced message from the hub (§7.2 as the receiving side)."""
        mid = env.message_id
        if mid in self.hub_inbox:
            self.answer(env, pb.RECEIPT_LEVEL_ACCEPTED, 0, "")
            return
        if mid in self.hub_rejected:
            e = self.hub_rejected[mid]
            self.answer(env, e.level, e.code, e.reason)
            return
        if env.sequence > self.expect_from_hub:
            self.log("   hub seq %d past a gap (expected %d): dropped" % (env.sequence, self.expect_from_hub))
            return
        code, reason = self.check_from_hub(env)
        if code:
            self.fail("hub sent %s %s that we reject: %s" % (env.WhichOneof("body"), mid, reason))
            e = pb.ReceiptEntry(message_id=mid, level=pb.RECEIPT_LEVEL_REJECTED, code=code, reason=reason)
            self.hub_rejected[mid] = e
            level = pb.RECEIPT_LEVEL_REJECTED
        else:
            self.hub_inbox[mid] = env
            level = pb.RECEIPT_LEVEL_ACCEPTED
        if env.sequence == self.expect_from_hub:
            self.expect_from_hub += 1
        self.answer(env, level, code, reason)

    def check_from_hub(self, env):
        body = env.WhichOneof("body")
        if env.schema_version != pb.SCHEMA_VERSION_CURRENT:
            return pb.RECEIPT_CODE_UNSUPPORTED_VERSION, "schemaVersion %d" % env.schema_version
        if body is None:
            return pb.RECEIPT_CODE_UNSUPPORTED_BODY, "no body we know"
        if env.sequence == 0:
            return pb.RECEIPT_CODE_INVALID, "sequence: 0 for a sequenced body"
        if env.referral_id != getattr(env, body).referral_id:
            return pb.RECEIPT_CODE_INVALID, "referralId differs from %s.referralId" % body
        if env.referral_id not in self.referrals:
            return pb.RECEIPT_CODE_UNKNOWN_REFERRAL, "no referral %s" % env.referral_id
        return 0, ""

    def answer(self, env, level, code, reason):
        rec = self.receipt([(env.message_id, level, code, reason)])
        data = self.answer_style(rec) if self.answer_style else None
        self.send(rec, data)

    # -- waiting for answers --

    def wait_entry(self, message_id, timeout=None):
        """The hub's ReceiptEntry for message_id, or None after timeout."""
        timeout = self.timeout if timeout is None else timeout
        self.wait_for(lambda: message_id in self.receipts, timeout)
        got = self.receipts.get(message_id)
        return got[-1] if got else None

    def expect_accepted(self, env, what, timeout=None):
        e = self.wait_entry(env.message_id, timeout)
        t = self.timeout if timeout is None else timeout
        if e is None:
            extra = ""
            if self.anonymous:
                extra = "; entries with an empty messageId meanwhile: " + \
                        "; ".join(describe_entry(x) for x in self.anonymous)
            self.fail("%s (%s, seq %d): expected a Receipt ACCEPTED within %.1f s, got no entry for it%s"
                      % (what, env.message_id, env.sequence, t, extra))
            return False
        return self.expect(e.level == pb.RECEIPT_LEVEL_ACCEPTED and e.code == 0,
                           "%s (%s, seq %d): expected ACCEPTED, got %s"
                           % (what, env.message_id, env.sequence, describe_entry(e)))

    def expect_hub_hello(self, what, since, timeout=None):
        """A Hello from the hub after the len(self.hub_hellos) == since point."""
        timeout = self.timeout if timeout is None else timeout
        ok = self.wait_for(lambda: len(self.hub_hellos) > since, timeout)
        return self.expect(ok, "%s: expected the hub to answer with its Hello within %.1f s, none came"
                           % (what, timeout))

    def wait_hub_message(self, body, count=1):
        """The count-th sequenced message of that body type from the hub."""
        def have():
            return sum(1 for e in self.hub_inbox.values() if e.WhichOneof("body") == body) >= count
        if not self.wait_for(have, self.timeout):
            self.fail("expected %d %s from the hub within %.1f s, got %d" % (
                count, body, self.timeout,
                sum(1 for e in self.hub_inbox.values() if e.WhichOneof("body") == body)))
            return None
        got = sorted((e for e in self.hub_inbox.values() if e.WhichOneof("body") == body),
                     key=lambda e: e.sequence)
        return got[count - 1]

    def expect_settled(self, hub_seq, what):
        """Asks the hub with a Hello until its Hello's firstUnackedSequence is
        past hub_seq, i.e. our Receipt settled that message (§5)."""
        deadline = time.monotonic() + self.timeout
        last = None
        while time.monotonic() < deadline:
            since = len(self.hub_hellos)
            self.send(self.hello())
            if self.wait_for(lambda: len(self.hub_hellos) > since, min(0.5, deadline - time.monotonic())):
                last = self.hub_hellos[-1].first_unacked_sequence
                if last > hub_seq:
                    return True
            self.wait_for(lambda: False, min(0.2, max(0.0, deadline - time.monotonic())))
        self.fail("%s: the hub's message %d is not settled after our Receipt: its Hello says "
                  "firstUnackedSequence %s after %.1f s (expected > %d)"
                  % (what, hub_seq, "nothing (no Hello)" if last is None else last, self.timeout, hub_seq))
        return False


# ---- scenarios ---------------------------------------------------------------------
#
# Each gets a connected Client with a fresh channel (the hub expects sequence 1)
# and a report(name, value) function.

def referral_id(c, n):
    return "%s-%s-%06d" % (c.node_id.split(":")[1], c.args.referral_tag, n)


def start(c, hello_data=None, what="Hello"):
    since = len(c.hub_hellos)
    env = c.hello()
    c.send(env, hello_data(env) if hello_data else None)
    c.expect_hub_hello(what, since)


def check_ack(c, ack, ref):
    rid = ref.referral_id
    c.expect(ack.referral_id == rid and ack.referral_ack.referral_id == rid,
             "ReferralAck referralId %r / body %r, expected %r" % (ack.referral_id, ack.referral_ack.referral_id, rid))
    c.expect(ack.answers_message_id == ref.message_id,
             "ReferralAck answersMessageId %r, expected the Referral's %s" % (ack.answers_message_id, ref.message_id))
    c.expect(ack.confidential, "ReferralAck not confidential")
    c.expect(ack.referral_ack.received_at_ms > 0, "ReferralAck without receivedAtMs")


def scenario_roundtrip(c, report):
    """Hello, Referral 1 -> ACCEPTED; the hub's ReferralAck -> our Receipt -> settled."""
    start(c)
    ref = c.referral(referral_id(c, 1))
    c.send(ref)
    report("referral", ref.message_id)
    report("referral_id", ref.referral_id)
    c.expect_accepted(ref, "Referral")
    ack = c.wait_hub_message("referral_ack")
    if ack is None:
        return
    report("ack", ack.message_id)
    c.expect(ack.sequence == 1, "ReferralAck sequence %d, expected 1" % ack.sequence)
    check_ack(c, ack, ref)
    c.expect_settled(ack.sequence, "Receipt for the ReferralAck")


def variant(c, report, style=PLAIN, unknown=False):
    """The round trip with every frame we send hand-encoded in one style."""
    env_extra, body_extra = (), ()
    if unknown:
        # Field 15 is in no message of famlink.proto: a varint and a
        # length-delimited one before the body, and the same inside it.
        env_extra = [(15, tag(15, 0) + varint(1234)), (15, len_field(15, b"from a newer schema"))]
        body_extra = [(15, tag(15, 0) + varint(7)), (15, len_field(15, b"\x08\x01"))]

    def encode(env):
        return encode_envelope(env, style, env_extra, body_extra)

    c.answer_style = encode
    hello = c.hello()
    c.send(hello, encode(hello))
    ref = c.referral(referral_id(c, 1))
    if style.defaults:
        ref.confidential = False          # written explicitly as 0
    c.send(ref, encode(ref))
    report("referral", ref.message_id)
    accepted = c.expect_accepted(ref, "hand-encoded Referral")
    # The hub answers a Hello once the batch holding it commits (§5), so its
    # Hello comes before the Receipt for the Referral sent after ours, or with
    # it: a short wait is enough once that Receipt is here.
    c.expect_hub_hello("hand-encoded Hello %s" % hello.message_id, 0,
                       1.0 if ref.message_id in c.receipts else c.timeout)
    if not accepted:
        return
    ack = c.wait_hub_message("referral_ack")
    if ack is None:
        return
    c.expect_settled(ack.sequence, "hand-encoded Receipt for the ReferralAck")


def scenario_reversed(c, report):
    """(a) every field in reverse field-number order, at every level."""
    variant(c, report, Style(reverse=True))


def scenario_defaults(c, report):
    """(b) every scalar that holds its default written explicitly (tag + 0 / empty)."""
    variant(c, report, Style(defaults=True))


def scenario_unknown(c, report):
    """(c) unknown fields before the body and inside it."""
    variant(c, report, unknown=True)


def scenario_receipt_defaults(c, report):
    """(d) a Receipt with sequence = 0 and referralId = "" written explicitly."""
    def encode(rec):
        return encode_envelope(rec, envelope_extra=[explicit_default(rec, "referral_id"),
                                                    explicit_default(rec, "sequence")])
    start(c)
    ref = c.referral(referral_id(c, 1))
    c.send(ref)
    c.expect_accepted(ref, "Referral")
    c.answer_style = encode
    ack = c.wait_hub_message("referral_ack")
    if ack is None:
        return
    report("ack", ack.message_id)
    c.expect_settled(ack.sequence, "Receipt with explicit sequence 0 and referralId \"\"")


def scenario_nul(c, report):
    """A NUL inside child.alias: REJECTED/MALFORMED naming the message, the
    channel moves on, the next sequence is ACCEPTED."""
    start(c)
    bad = c.referral(referral_id(c, 1), alias="Al\x00va")
    c.send(bad)
    report("nul", bad.message_id)
    report("nul_referral_id", bad.referral_id)
    got = c.wait_for(lambda: bad.message_id in c.receipts or c.anonymous, c.timeout)
    if not got:
        c.fail("NUL Referral %s: expected REJECTED/MALFORMED within %.1f s, got no Receipt"
               % (bad.message_id, c.timeout))
    elif bad.message_id not in c.receipts:
        c.fail("NUL Referral %s: expected REJECTED/MALFORMED naming it, got %s "
               "(an empty messageId: the channel cannot move past it)"
               % (bad.message_id, "; ".join(describe_entry(e) for e in c.anonymous)))
    else:
        e = c.receipts[bad.message_id][-1]
        c.expect(e.level == pb.RECEIPT_LEVEL_REJECTED and e.code == pb.RECEIPT_CODE_MALFORMED,
                 "NUL Referral %s: expected REJECTED/RECEIPT_CODE_MALFORMED, got %s"
                 % (bad.message_id, describe_entry(e)))
    good = c.referral(referral_id(c, 2))
    c.send(good)
    report("next", good.message_id)
    c.expect_accepted(good, "the Referral after the NUL one")
    c.wait_hub_message("referral_ack")


def scenario_duplicate(c, report):
    """Referral A at n, A again (same id and content) at n + 1, B at n + 2:
    all ACCEPTED, B within 2 s and without a Hello in between."""
    start(c)
    a = c.referral(referral_id(c, 1))
    c.send(a)
    report("a", a.message_id)
    report("a_referral_id", a.referral_id)
    c.expect_accepted(a, "Referral A")
    again = pb.Envelope()
    again.CopyFrom(a)
    again.sequence = c.take_seq()
    c.receipts.pop(a.message_id, None)
    c.send(again)
    c.expect_accepted(again, "Referral A again under a new sequence")
    b = c.referral(referral_id(c, 2))
    c.send(b)
    report("b", b.message_id)
    c.expect_accepted(b, "Referral B after the duplicate", timeout=2.0)
    c.wait_hub_message("referral_ack", 2 if b.message_id in c.receipts else 1)


SCENARIOS = {
    "roundtrip": scenario_roundtrip,
    "reversed": scenario_reversed,
    "defaults": scenario_defaults,
    "unknown": scenario_unknown,
    "receipt-defaults": scenario_receipt_defaults,
    "nul": scenario_nul,
    "duplicate": scenario_duplicate,
}


def self_test(c):
    """The hand encoder in its plain style must write what protobuf writes."""
    for e in (c.referral("selftest", sequence=1), c.hello(), c.receipt([("X", 1, 0, "")])):
        if encode_envelope(e) != e.SerializeToString():
            raise AssertionError("hand encoder differs from protobuf for %s" % e.WhichOneof("body"))
    c.referrals.clear()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scenario", required=True, choices=sorted(SCENARIOS))
    p.add_argument("--endpoint", required=True, help="the hub, e.g. tcp://127.0.0.1:7400")
    p.add_argument("--hub-id", required=True)
    p.add_argument("--hub-key", help="the hub's public key (Z85)")
    p.add_argument("--hub-key-file", help="the hub's .pub file")
    p.add_argument("--node-id", required=True, help="our municipality:NNNN")
    p.add_argument("--public-key")
    p.add_argument("--secret-key")
    p.add_argument("--key-file", help="our .key file (famlinkctl keygen)")
    p.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."),
                   help="the famlink tree (for proto/famlink.proto)")
    p.add_argument("--report", help="write name/value lines (ids) here")
    p.add_argument("--referral-tag", default="interop", help="middle part of our referral ids")
    p.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for each answer")
    p.add_argument("--keepalive", type=float, default=30.0, help="seconds between Hellos")
    p.add_argument("--verbose", "-v", action="store_true")
    a = p.parse_args()
    if a.key_file:
        a.public_key = a.public_key or read_key(a.key_file, "public-key")
        a.secret_key = a.secret_key or read_key(a.key_file, "secret-key")
    if a.hub_key_file and not a.hub_key:
        a.hub_key = read_key(a.hub_key_file, "public-key")
    for name in ("hub_key", "public_key", "secret_key"):
        if not getattr(a, name) or len(getattr(a, name)) != 40:
            p.error("--%s (or its file) must give a 40-character Z85 key" % name.replace("_", "-"))

    load_schema(a.root)
    reported = []
    c = Client(a)
    self_test(c)
    print("scenario %s as %s against %s at %s" % (a.scenario, a.node_id, a.hub_id, a.endpoint), file=sys.stderr)
    try:
        c.connect()
        SCENARIOS[a.scenario](c, lambda k, v: reported.append((k, v)))
    except ScenarioFailed as e:
        c.fail(str(e))
    finally:
        c.close()
        if a.report:
            with open(a.report, "w", encoding="ascii") as f:
                f.writelines("%s %s\n" % kv for kv in reported)
    if c.failures and not a.verbose:
        print("trace (s since start, -> sent, <- received):", file=sys.stderr)
        print("\n".join(c.trace), file=sys.stderr)
    print("scenario %s: %s" % (a.scenario, "ok" if c.failures == 0 else "%d failure(s)" % c.failures),
          file=sys.stderr)
    return 0 if c.failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
