# Plays runc's side of --console-socket for console.test.ts: opens a pty, connects to the socket given as argv[1],
# sends the master with SCM_RIGHTS, waits for a line on stdin, then prints the slave's window size as "rows cols".
import os
import socket
import sys

master, slave = os.openpty()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
socket.send_fds(s, [b"pty"], [master])
sys.stdin.readline()
size = os.get_terminal_size(slave)
print(size.lines, size.columns)
