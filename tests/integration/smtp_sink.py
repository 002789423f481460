"""smtp_sink — a real SMTP server on loopback for famlink's integration
tests (aiosmtpd, Debian's python3-aiosmtpd), started by smtp_sink.c as
/usr/bin/python3 smtp_sink.py PORT FOLDER [USER:PASSWORD].

Each message it takes is written to FOLDER before the server answers
250: NNNN.eml (the message as received) and NNNN.env (MAIL FROM, then one
RCPT TO per line), each through a temporary name and a rename, so a test
never reads half a file. While FOLDER/hold exists the 250 waits (the
message already written: a test kills the client in that window); while
FOLDER/tempfail exists DATA is answered 451 and nothing is written. With
USER:PASSWORD, AUTH is required (PLAIN or LOGIN, without TLS: loopback).
FOLDER/ready appears once it listens. SIGTERM stops it.
"""
import asyncio
import logging
import os
import signal
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.n = len([f for f in os.listdir(folder) if f.endswith(".eml")])

    def write(self, name, data):
        tmp = os.path.join(self.folder, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(self.folder, name))

    async def handle_DATA(self, server, session, envelope):
        if os.path.exists(os.path.join(self.folder, "tempfail")):
            return "451 4.3.0 try again later"
        self.n += 1
        env = "\n".join([envelope.mail_from] + envelope.rcpt_tos) + "\n"
        content = envelope.original_content or envelope.content
        self.write("%04d.env" % self.n, env.encode())
        self.write("%04d.eml" % self.n, content)
        while os.path.exists(os.path.join(self.folder, "hold")):
            await asyncio.sleep(0.05)
        return "250 2.0.0 accepted"


def authenticator(want):
    def check(server, session, envelope, mechanism, auth_data):
        got = b"%s:%s" % (auth_data.login, auth_data.password)
        return AuthResult(success=got == want.encode())
    return check


async def main():
    warnings.simplefilter("ignore")   # AUTH without TLS is what loopback tests want
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    port, folder = int(sys.argv[1]), sys.argv[2]
    auth = sys.argv[3] if len(sys.argv) > 3 else None
    sink = Sink(folder)

    def factory():
        if auth is None:
            return SMTP(sink, decode_data=False)
        return SMTP(sink, decode_data=False, authenticator=authenticator(auth),
                    auth_required=True, auth_require_tls=False)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, "127.0.0.1", port)
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    open(os.path.join(folder, "ready"), "w").close()
    await stop
    server.close()
    await server.wait_closed()


asyncio.run(main())
