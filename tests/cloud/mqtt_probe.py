#!/usr/bin/python3
"""A scripted MQTT client for the cloud emulator's tests (paho-mqtt 1.6, /usr/bin/python3).

It signs credentials itself, from the vendor pages (specs/), so that the tests check the broker
plugin against an independent implementation; then it connects, subscribes, publishes and prints
what happened as one JSON object per line:
  {"connack": 0}  {"suback": [1]}  {"puback": 1}  {"message": {"topic": ..., "payload": ...}}
  {"error": "..."} (no CONNACK: the connection was closed or TLS failed)

--sign takes a JSON object: {"platform": "aliyun", "product_key", "device_name", "device_secret",
  "client_id", "securemode", "signmethod", "timestamp"} | {"platform": "aliyun-register",
  "product_key", "device_name", "product_secret", "auth_type", "random", "signmethod"} |
  {"platform": "tencent", "product_id", "device_name", "psk", "sdkappid", "expiry", "signmethod"} |
  {"platform": "huawei", "device_id", "secret", "sign_type", "hour" (YYYYMMDDHH, default now)}.
"""
import argparse
import base64
import hashlib
import hmac
import json
import sys
import time

import paho.mqtt.client as mqtt

DIGESTS = {"hmacmd5": hashlib.md5, "hmacsha1": hashlib.sha1, "hmacsha256": hashlib.sha256}


def sign(spec):
    p = spec["platform"]
    if p == "aliyun":
        pk, dn = spec["product_key"], spec["device_name"]
        params = {"clientId": spec.get("client_id", pk + "." + dn), "deviceName": dn,
                  "productKey": pk}
        ext = "securemode=%s,signmethod=%s" % (spec.get("securemode", "2"),
                                               spec.get("signmethod", "hmacsha256"))
        if "timestamp" in spec:
            params["timestamp"] = spec["timestamp"]
            ext += ",timestamp=" + spec["timestamp"]
        content = "".join(k + params[k] for k in sorted(params))
        mac = hmac.new(spec["device_secret"].encode(), content.encode(),
                       DIGESTS[spec.get("signmethod", "hmacsha256")]).hexdigest()
        if spec.get("uppercase"):
            mac = mac.upper()
        return {"client_id": "%s|%s|" % (params["clientId"], ext), "username": dn + "&" + pk,
                "password": mac}
    if p == "aliyun-register":
        pk, dn, rnd = spec["product_key"], spec["device_name"], spec.get("random", "8675309")
        method = spec.get("signmethod", "hmacsha256")
        content = "deviceName%sproductKey%srandom%s" % (dn, pk, rnd)
        mac = hmac.new(spec["product_secret"].encode(), content.encode(), DIGESTS[method])
        ext = "securemode=-2,authType=%s,random=%s,signmethod=%s" % (
            spec.get("auth_type", "register"), rnd, method)
        return {"client_id": "%s|%s|" % (spec.get("client_id", dn), ext),
                "username": dn + "&" + pk, "password": mac.hexdigest()}
    if p == "tencent":
        cid = spec["product_id"] + spec["device_name"]
        expiry = spec.get("expiry", int(time.time()) + 3600)
        username = "%s;%s;%s;%s" % (cid, spec.get("sdkappid", "12010126"), "Ab3x9", expiry)
        method = spec.get("signmethod", "hmacsha256")
        token = hmac.new(base64.b64decode(spec["psk"]), username.encode(),
                         DIGESTS[method]).hexdigest()
        return {"client_id": cid, "username": username, "password": token + ";" + method}
    if p == "huawei":
        hour = spec.get("hour") or time.strftime("%Y%m%d%H", time.gmtime())
        mac = hmac.new(hour.encode(), spec["secret"].encode(), hashlib.sha256).hexdigest()
        return {"client_id": "%s_0_%s_%s" % (spec["device_id"], spec.get("sign_type", "1"), hour),
                "username": spec["device_id"], "password": mac}
    raise SystemExit("unknown platform " + p)


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cafile")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--sign")
    ap.add_argument("--id")
    ap.add_argument("--username")
    ap.add_argument("--password")
    ap.add_argument("--keepalive", type=int, default=60)
    ap.add_argument("--subscribe", action="append", default=[])
    ap.add_argument("--publish", action="append", default=[], help="TOPIC=PAYLOAD")
    ap.add_argument("--messages", type=int, default=0, help="wait for this many messages")
    ap.add_argument("--timeout", type=float, default=10)
    args = ap.parse_args()

    creds = sign(json.loads(args.sign)) if args.sign else {}
    client_id = args.id if args.id is not None else creds.get("client_id", "probe")
    username = args.username if args.username is not None else creds.get("username")
    password = args.password if args.password is not None else creds.get("password")

    c = mqtt.Client(client_id=client_id, clean_session=True, protocol=mqtt.MQTTv311)
    if username is not None:
        c.username_pw_set(username, password)
    if args.cafile:
        c.tls_set(ca_certs=args.cafile, certfile=args.cert, keyfile=args.key)
    state = {"connack": None, "messages": 0, "acks": set(), "closed": False}

    def on_connect(client, userdata, flags, rc):
        state["connack"] = rc
        emit({"connack": rc})

    def on_disconnect(client, userdata, rc):
        if state["connack"] is None:
            emit({"error": "closed before CONNACK (rc %d)" % rc})
        state["closed"] = True

    def on_message(client, userdata, msg):
        emit({"message": {"topic": msg.topic, "payload": msg.payload.decode("utf-8", "replace")}})
        state["messages"] += 1

    def on_ack(kind):
        def cb(client, userdata, mid, *rest):
            state["acks"].add(mid)
            emit({kind: list(rest[0]) if rest else mid})
        return cb

    c.on_connect = on_connect
    c.on_disconnect = on_disconnect
    c.on_message = on_message
    c.on_subscribe = on_ack("suback")
    c.on_publish = on_ack("puback")
    deadline = time.monotonic() + args.timeout

    # One thread drives the client: a TLS error surfaces here instead of killing a loop thread,
    # and nothing reconnects behind the test's back.
    def run_until(pred):
        while not pred() and not state["closed"] and time.monotonic() < deadline:
            try:
                rc = c.loop(0.05)
            except Exception as e:
                emit({"error": str(e)})
                state["closed"] = True
                break
            if rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_AGAIN):
                state["closed"] = True
        return pred()

    try:
        c.connect(args.host, args.port, args.keepalive)
    except Exception as e:  # TLS failures surface here
        emit({"error": str(e)})
        return 1
    if not run_until(lambda: state["connack"] is not None):
        if not state["closed"]:
            emit({"error": "no CONNACK"})
        return 1
    if state["connack"] != 0:
        return 0
    for topic in args.subscribe:
        _, mid = c.subscribe(topic, qos=1)
        run_until(lambda: mid in state["acks"])
    for item in args.publish:
        topic, _, payload = item.partition("=")
        info = c.publish(topic, payload, qos=1)
        run_until(lambda: info.mid in state["acks"])
    run_until(lambda: state["messages"] >= args.messages)
    if not state["closed"]:
        c.disconnect()
        c.loop(0.05)
    return 0


if __name__ == "__main__":
    sys.exit(main())
