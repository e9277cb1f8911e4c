"""A WebSocket client that stops reading: the slow attach client of the faults test.

usage: slow-ws.py SOCKET PATH STALL_SECONDS
Connects over a unix socket, upgrades PATH, reads nothing for STALL_SECONDS (a small receive buffer, so the
server's side fills up), then reads to the end and prints one JSON line: the binary payload bytes received,
whether they end with "END\\n", and the close frame's code and reason.
"""
import base64, json, os, socket, struct, sys, time

sock_path, path, stall = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sock_path)
key = base64.b64encode(os.urandom(16)).decode()
s.sendall((f"GET {path} HTTP/1.1\r\nHost: berth\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
buf = b""
while b"\r\n\r\n" not in buf:
    chunk = s.recv(4096)
    if not chunk:
        sys.exit("closed during the handshake")
    buf += chunk
head, buf = buf.split(b"\r\n\r\n", 1)
if b" 101 " not in head.split(b"\r\n")[0]:
    sys.exit(head.decode(errors="replace"))
time.sleep(stall)
s.settimeout(60)
received, tail, close = 0, b"", None


def need(n):
    global buf
    while len(buf) < n:
        chunk = s.recv(1 << 16)
        if not chunk:
            raise EOFError
        buf += chunk
    out, buf = buf[:n], buf[n:]
    return out


try:
    while close is None:
        b0, b1 = need(2)
        opcode, length = b0 & 0x0F, b1 & 0x7F
        if length == 126:
            length = struct.unpack(">H", need(2))[0]
        elif length == 127:
            length = struct.unpack(">Q", need(8))[0]
        payload = need(length)
        if opcode == 0x2 or opcode == 0x0:
            received += len(payload)
            tail = (tail + payload)[-16:]
        elif opcode == 0x8:
            code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
            close = {"code": code, "reason": payload[2:].decode(errors="replace")}
except EOFError:
    pass
print(json.dumps({"received": received, "endsWithEnd": tail.endswith(b"END\n"), "close": close}))
