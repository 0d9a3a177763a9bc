#!/usr/bin/python3
"""A Modbus slave simulator on pymodbus (Debian's 3.0.0rc1), for tests and the demo.

  modbus_sim.py --port N [--rtu /dev/pts/X] [--rtu-over-tcp] [--unit 1 [--unit 2 ...]]
                [--host 127.0.0.1]

Serves Modbus TCP on 127.0.0.1:N, or Modbus RTU on the serial device given with --rtu (e.g. one end
of a socat pty pair; --baud sets its speed). --rtu-over-tcp serves RTU frames (with CRC, no MBAP
header) on the TCP port, like a serial device server in transparent mode. Prints "ready" on stdout once listening. Every unit id
given serves the same map (below); requests for other unit ids get no answer at all, like an absent
slave on a real bus. Addresses are protocol addresses (0-based).

Holding registers 0..1399 (anything beyond is "illegal data address"):
  0      voltage x10, u16: 2300 + (tick % 20)            -- changes every 100 ms
  1      current x100, u16: 500 + (tick % 50)
  2-3    energy in Wh, u32 ABCD: tick
  4-5    power in W, f32 ABCD: 1150.0 + (tick % 20)
  6      tick, u16 (wraps)
  7      the unit id
  10-19  setpoints: 0 at start, free to write; 12 is clamped: a write above 1000 leaves 1000 (a
         device that limits a value and says nothing, which only a read-back shows)
  1000+  the type table, once per word order at 1000 (ABCD), 1100 (CDAB), 1200 (BADC), 1300 (DCBA):
         +0 u16 4660 (0x1234), +1 i16 -1234, +2 u32 305419896 (0x12345678), +4 i32 -123456789,
         +6 f32 -1234.5, +8 u64 81985529216486895 (0x0123456789ABCDEF), +12 i64 -1234567890123,
         +16 f64 3.141592653589793
Input registers 0..99: 0 temperature x10, i16: 215; 1 the unit id; 2 tick.
Coils 0..63: 0..7 = 1,0,1,1,0,0,1,0; the rest 0; free to write.
Discrete inputs 0..63: 0 = tick is odd; 1..7 = 0,1,1,0,1,0,0.
"""

import argparse
import asyncio
import struct
import sys
import types

try:
    import serial_asyncio  # noqa: F401  pymodbus 3.0 imports it even for TCP
except ImportError:  # python3-serial-asyncio missing: TCP still works, RTU says what is missing
    _stub = types.ModuleType("serial_asyncio")

    async def _no_serial(*_args, **_kwargs):
        raise RuntimeError("Modbus RTU needs python3-serial-asyncio")

    _stub.create_serial_connection = _no_serial
    sys.modules["serial_asyncio"] = _stub

from pymodbus.datastore import (
    ModbusSequentialDataBlock,
    ModbusServerContext,
    ModbusSlaveContext,
)
from pymodbus.server.async_io import ModbusSerialServer, ModbusTcpServer
from pymodbus.transaction import ModbusRtuFramer, ModbusSocketFramer

ORDERS = {"ABCD": 1000, "CDAB": 1100, "BADC": 1200, "DCBA": 1300}
TYPE_TABLE = [  # (offset, struct format of the big-endian value, value)
    (0, ">H", 0x1234),
    (1, ">h", -1234),
    (2, ">I", 0x12345678),
    (4, ">i", -123456789),
    (6, ">f", -1234.5),
    (8, ">Q", 0x0123456789ABCDEF),
    (12, ">q", -1234567890123),
    (16, ">d", 3.141592653589793),
]


def registers(fmt, value, order):
    """The registers that hold `value` (packed big-endian as `fmt`) in word order `order`."""
    data = struct.pack(fmt, value)
    words = [data[i : i + 2] for i in range(0, len(data), 2)]
    if order in ("BADC", "DCBA"):
        words = [w[::-1] for w in words]
    if order in ("CDAB", "DCBA"):
        words = words[::-1]
    return [int.from_bytes(w, "big") for w in words]


def f32_registers(value):
    return registers(">f", value, "ABCD")


CLAMPED = 12
CLAMP_MAX = 1000


class ClampingBlock(ModbusSequentialDataBlock):
    """The holding table: register CLAMPED keeps at most CLAMP_MAX, whatever is written."""

    def setValues(self, address, values):  # noqa: N802  pymodbus's name
        if not isinstance(values, list):
            values = [values]
        index = CLAMPED - address
        if 0 <= index < len(values):
            values = list(values)
            values[index] = min(values[index], CLAMP_MAX)
        super().setValues(address, values)


def make_unit(unit):
    holding = [0] * 1400
    for order, base in ORDERS.items():
        for offset, fmt, value in TYPE_TABLE:
            regs = registers(fmt, value, order)
            holding[base + offset : base + offset + len(regs)] = regs
    holding[7] = unit
    inputs = [0] * 100
    inputs[0] = 215
    inputs[1] = unit
    coils = [1, 0, 1, 1, 0, 0, 1, 0] + [0] * 56
    discrete = [0, 0, 1, 1, 0, 1, 0, 0] + [0] * 56
    return ModbusSlaveContext(
        hr=ClampingBlock(0, holding),
        ir=ModbusSequentialDataBlock(0, inputs),
        co=ModbusSequentialDataBlock(0, coils),
        di=ModbusSequentialDataBlock(0, discrete),
        zero_mode=True,
    )


async def meter(slaves):
    """Makes the meter's registers move, every 100 ms."""
    tick = 0
    while True:
        await asyncio.sleep(0.1)
        tick += 1
        for ctx in slaves.values():
            ctx.setValues(3, 0, [2300 + tick % 20, 500 + tick % 50])
            ctx.setValues(3, 2, [(tick >> 16) & 0xFFFF, tick & 0xFFFF])
            ctx.setValues(3, 4, f32_registers(1150.0 + tick % 20))
            ctx.setValues(3, 6, [tick & 0xFFFF])
            ctx.setValues(4, 2, [tick & 0xFFFF])
            ctx.setValues(2, 0, [tick & 1])


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="Modbus TCP port")
    parser.add_argument("--rtu", help="serial device for Modbus RTU instead of TCP")
    parser.add_argument("--baud", type=int, default=9600)
    parser.add_argument("--rtu-over-tcp", action="store_true", help="RTU frames on the TCP port")
    parser.add_argument("--unit", type=int, action="append", help="unit id served (repeatable)")
    args = parser.parse_args()
    if not args.rtu and not args.port:
        parser.error("--port or --rtu is required")
    units = args.unit or [1]
    slaves = {u: make_unit(u) for u in units}
    context = ModbusServerContext(slaves=slaves, single=False)
    asyncio.create_task(meter(slaves))
    if args.rtu:
        server = ModbusSerialServer(
            context,
            framer=ModbusRtuFramer,
            port=args.rtu,
            baudrate=args.baud,
            ignore_missing_slaves=True,
        )
        await server.start()
        print("ready", flush=True)
        await server.serve_forever()
    else:
        server = ModbusTcpServer(
            context,
            framer=ModbusRtuFramer if args.rtu_over_tcp else ModbusSocketFramer,
            address=(args.host, args.port),
            allow_reuse_address=True,
            ignore_missing_slaves=True,
        )
        task = asyncio.create_task(server.serve_forever())
        await server.serving
        print("ready", flush=True)
        await task


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
