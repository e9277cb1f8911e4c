# Binds a unix datagram socket at argv[1] ("@name" for an abstract one), prints "bound", then prints each datagram
# it receives as one JSON string per line until argv[2] datagrams have come (or stdin closes the test's patience).
import json, socket, sys

address, count = sys.argv[1], int(sys.argv[2])
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind("\0" + address[1:] if address.startswith("@") else address)
print("bound", flush=True)
for _ in range(count):
    print(json.dumps(sock.recv(65536).decode()), flush=True)
