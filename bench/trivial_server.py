"""A fixed-answer HTTP server (asyncio protocol, no parsing) to measure the load generator's
own ceiling: whatever wrk reaches here, it can drive at least that fast."""
import asyncio
import sys

BODY = b'{"ok":true}'
ANSWER = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
          + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)


class Fixed(asyncio.Protocol):
    def connection_made(self, transport):
        self.t = transport

    def data_received(self, data):
        self.t.write(ANSWER * data.count(b"\r\n\r\n"))


async def main(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(Fixed, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
