#!/usr/bin/env python3
"""Generates cases.json and rejected.json, the inputs of record.sh.

Each string case is one object of kind `Case`; the string under test appears as a map value,
as a map key, as sequence items and deep inside nested structures, so one kubectl run checks
the scalar in every position. Then come numbers, structures, a StatefulSet and seeded random
cases. Keys are written in sorted order (the Rust tests rely on it to read floats exactly).
Run from this directory: `python3 gen_cases.py`.
"""
import json
import math
import random
import struct

WORDS = ["y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE",
         "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null",
         "NULL", "~", "", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf",
         "+.INF", "-.inf", "-.Inf", "-.INF", "<<", "yEs", "tRUE", "nULL", "nan", "NaN", "inf",
         "Inf", "+Inf", "-Inf", "Infinity", "infinity", "none", "None", "y1", "o", "t", "f",
         "=", "<", ">"]

NUMBERS = ["0", "1", "-1", "+1", "007", "08", "09", "0x1F", "0X1f", "0xG", "0x", "0o17",
           "0O17", "0o8", "0b101", "0B11", "0b2", "-0b101", "-0x1F", "+0x1F", "1_000", "1__0",
           "_1", "1_", "0x_1F", "1.5", "-1.5", "+1.5", ".5", "-.5", "+.5", "5.", "1e3", "1E3",
           "1e+3", "1e-3", "1.5e10", "1e", "e3", "1.2.3", "1,000", "9223372036854775807",
           "9223372036854775808", "18446744073709551615", "18446744073709551616",
           "-9223372036854775808", "-9223372036854775809", "123456789012345678901234567890",
           "0x1234567890123456789012345", "-0x1234567890123456789012345",
           "0b11111111111111111111111111111111111111111111111111111111111111111", "1e999",
           "-1e999", ".5e999", "1e-999", "0.", "00", "-0", "+0", "1:30", "1:30:00", "-1:30",
           "190:20:30.15", "1:60", "12:34:56.7", "1:2:3_4", "1_0:30", ".", "..", "-.", "+",
           "+-1", "1__", "1.0e", "0x1p-2", ".1_0", "._1", ".1e1_0", ".1e", "1e1_0", "0777",
           "0_777", "3.14159", "6.02e23", "1.7976931348623157e309"]

TIMES = ["2024-01-15T10:00:00Z", "2024-1-5", "2024-01-15", "2024-01-15 10:00:00",
         "2024-01-15   10:00:00", "2024-01-15t10:00:00Z", "2024-01-15T10:00:00.123456789Z",
         "2024-01-15T10:00:00.1234567891234Z", "2024-01-15T10:00:00,5Z",
         "2024-01-15T10:00:00+01:00", "2024-01-15T10:00:00-23:59", "2024-01-15T10:00:00+25:00",
         "2024-01-15T10:00:00z", "2024-13-01", "2024-00-10", "2023-02-29", "2024-02-29",
         "1900-02-29", "2000-02-29", "2024-04-31", "2024-01-32", "2024-01-00",
         "2024-01-15T24:00:00Z", "2024-01-15T23:59:59Z", "2024-01-15T10:60:00Z",
         "2024-01-15T10:00:60Z", "2024-01-15T1:2:3Z", "2024-01-15 10:00:00.5",
         "2024-01-15T10:00:00", "2024-01-15 10:00:00Z", "12024-01-01", "024-01-01",
         "2024-001-01", "2024-01-1x", "2024-01-15T10:00:00.Z", "2024-01-15T10:00:00+0100",
         "2024-01-15 ", "2024-01-15 10:00", "2024-1-5 1:2:3", "2024-01-15T10:00:00.5+01:00",
         "2024-"]

INDICATORS = ["*a", "&a", "!a", "|a", ">a", "'a", "\"a", "%a", "@a", "`a", "#a", ",a", "[a",
              "]a", "{a", "}a", "?a", "? a", ":a", ": a", "-a", "- a", "-", "?", ":", "--",
              "---", "--- a", "---a", "...", "....", "...a", "a-", "a?", "a:", "a: b", "a:b",
              "a #b", "a#b", "a,b", "a[b]", "a{b}", "a!b", "a&b", "a*b", "a|b", "a>b", "a'b",
              "a\"b", "a%b", "a@b", "a`b", "http://x.y/z?q=1#frag", "key: value # comment",
              "a\\b", "\\", "C:\\path\\to", "''", "\"\"", "it's", "a<b>c&d", "</script>",
              "image:tag", "nginx:1.25", "registry.k8s.io/nginx-slim:0.8", "[]", "{}",
              "a: ", "a :b", "a\t#b", "#", "!", "&", "*", "|", ">", "%", "@", "`", "'", "\"",
              "a - b", "- ", "-\t", ":\t", "?\tb", "a:\tb"]

SPACES = [" a", "a ", " ", "  ", " a ", "a  b", "a\tb", "\ta", "a\t", "\t", "a \tb",
          "a\t b", "   x   y   "]

UNICODE = ["é", "日本語", "emoji 😀", "😀", "\u00a0", "a\u00a0b", "a\u0085b", "a \u0085 b",
           "a\u0085\u0085b", "\u0085a", "a\u0085", "a\u2028b", "a\u2029b", "\u2028", "\ufeff",
           "\ufeffabc", "a\ufeffb", "\u200b", "\ue000", "\ufffd", "Ω≈ç√", "e\u0301",
           "שלום", "\u00ff", "\u0100", "\u07ff", "\u0800", "\ud7ff", "\U00010000",
           "\U0010ffff", "Ａ", "ä:ö", "中文 #注释"]

CONTROLS = ["\x00", "a\x00b", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\r", "a\rb", "a\r\nb",
            "\x1b[31mred\x1b[0m", "\x1f", "a\tb\tc"]

MULTI = ["a\nb", "a\nb\n", "a\nb\n\n", "\na", "\n", "\n\n", " a\nb", "a\n b", "a\n\nb",
         "a \nb", "a\n b\n", "  lead\nx\n", "a\n\tb", "\ta\nb", "line1\nline2 \n",
         "a\n#b", "a\n- b", "a\n---\nb", "#!/bin/sh\necho hi\n", "x\r\ny", "a\n\u2028b",
         "a\n\n\n", "abc\n\n\ndef\n", "日本\n語", "a\n😀", "a\n\x00", "\n a", "\n\na",
         "a\n ", "a\n\n", " \n", "a:\n  b: c\n", "'a'\nb", "\"a\"\nb", "a\nb" * 3,
         "- a\n- b\n", "a\u0085b\nc", "x\ny\r", "{\n  \"k\": 1\n}\n",
         ("w" * 100) + "\n" + ("word " * 25) + "\n",
         "ends with space \nand more", "trailing spaces  \n"]


def long(prefix, n, sep=" "):
    out = prefix
    i = 0
    while len(out) < n:
        out += ("word%d" % i if i % 3 else "w") + sep
        i += 1
    return out[:n]


LONG = [long("", 60), long("", 79), long("", 80), long("", 81), long("", 95),
        long("", 120), long("", 200), "x" * 150, "y" * 81, long("*", 140), long("- ", 140),
        long("", 150, "  "), long("", 150, " \t"), long("\t", 130), long("", 130) + "\t",
        long("'", 140), long("a: b ", 140), long("", 170, " : "),
        "word " * 40 + "end", " ".join(["abcdefghij"] * 15), "a " * 70 + "b",
        "http://example.com/" + "x" * 100 + " tail words here",
        "0123456789 " * 15, "日本語 " * 40, "😀 " * 40, long("", 100) + "\u0085" + long("", 60),
        ("a" * 75) + " b  c   d    e " + ("f" * 20) + " g",
        '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"annotations":{},"name":"web",'
        '"namespace":"default"},"data":{"key":"value with spaces in it"}}\n',
        long("", 200, " ").rstrip() + "\n" + long("", 200),
        "a" * 129, "b" * 128, "c" * 127, ("k" * 60) + " " + ("v" * 70)]

GROUPS = [("word", WORDS), ("num", NUMBERS), ("time", TIMES), ("ind", INDICATORS),
          ("space", SPACES), ("uni", UNICODE), ("ctl", CONTROLS), ("multi", MULTI),
          ("long", LONG)]

# Strings that make kubectl -o yaml fail: go-yaml's reader refuses these raw characters
# (encoding/json leaves them unescaped), and a NEL (U+0085) is a line break to the YAML parser.
REJECTED = [{"v": "a\x7fb"}, {"v": "\x80"}, {"v": "a\x84b"}, {"v": "\x86"}, {"v": "\x9f"},
            {"v": "\ufffe"}, {"v": "\uffff"}, {"a\x85b": "v"}, {"v": "a\x85", "k\x85": 1},
            {"v": "a\x85--- b"}, {"v": "a\x85...\x85"}, {"b": "\x85\x85", "c": {"d\x85": 1}},
            {"a\x85": 1, "b": "\x7f"}, {"a": "\x7f", "b\x85": 1},
            # go-yaml cannot read a JSON key of 1023 characters or more as a key.
            {"k" * 1023: 1}, {"k" * 1018 + "<": 1}, {"a": "\x85", "k" * 1100: 1}]


def string_case(name, s):
    return {
        "apiVersion": "stsim.test/v1",
        "kind": "Case",
        "metadata": {"name": name, "annotations": {"x": "y"}},
        "value": s,
        # A NEL in a key breaks kubectl's JSON-to-YAML step (see REJECTED).
        "keys": {s: "v", "k": s} if "\x85" not in s else {"k": s},
        "list": [s, [s], {"k": s}],
        "deep": {"a": {"b": [{"c": {"d": s}}]}},
    }


# -0 and -0.0 are left out: serde_json reads both as the float -0.0, while kubectl reads -0 as
# the integer 0 (and, reading a List input, even turns -0.0 into 0).
NUMBER_VALUES = ["0", "-1", "42", "9223372036854775807", "-9223372036854775808",
                 "9223372036854775808", "18446744073709551615", "18446744073709551616",
                 "123456789012345678901234567890", "1.5", "-2.5e-7", "1e20", "1e21", "1e22",
                 "123456789.123", "0.1", "1e-7", "1e-6", "0.000001", "0.0000012345", "5e-324",
                 "1.7976931348623157e308", "100.0", "1e6", "1000000.0", "1234567.0",
                 "1234567.5", "123456.5", "0.0001", "0.00001", "3.14159", "2.5e15",
                 "0.0", "1E3", "12345678901234567", "1.0e-10", "4.2e-5",
                 "99999999999999999999", "1e100", "-1e-100", "0.30000000000000004",
                 "9007199254740993", "1.25e+21", "2e-6"]


# Seeded random cases (no NEL, so kubectl prints every one of them): strings of tricky atoms in
# every position, random trees, long texts at many depths for the folding, random floats.
ATOMS = [" ", " ", " ", "a", "b", "word", "x", "Z", ":", "#", "-", "?", ",", "[", "]", "{", "}",
         "'", '"', "\\", "\n", "\n", "\t", "\r", "\u2028", "\u00e9", "\u65e5", "\U0001F600",
         "\ufeff", "\u00a0", "0", "1", "9", ".", "e", "_", "&", "*", "!", "|", ">", "%", "@", "`",
         "~", "<", "=", "/", "\x00", "\x1b", "y", "n", "true", "null", "2024-01-02", "T10:00:00Z",
         "0x", "1e", "---", "...", "  ", "\n\n", "- ", ": ", " #"]
TEXT_WORDS = ["a", "bb", "ccc", "dddd", "eeeee", "ffffffffffff", "g" * 30, "'", '"', ":", "#",
              "-", "\t", "\u00e9", "\u65e5\u672c", "\U0001F600", "\u2028", "\\"]
TREE_KEYS = ["a", "b", "c", "name", "value", "data", "items", "spec", "x", "yy", "zzz", "Key",
             "k-v", "k.v", "k/v"]


def random_cases(rnd, count):
    def atoms():
        k = rnd.choice([rnd.randint(0, 6), rnd.randint(5, 40), rnd.randint(40, 120)])
        return "".join(rnd.choice(ATOMS) for _ in range(k))

    def text():
        parts = []
        for _ in range(rnd.randint(5, 50)):
            parts.append(rnd.choice(TEXT_WORDS))
            parts.append(rnd.choice([" ", " ", " ", "  ", "   ", "", "\n", " \n", "\n "]))
        s = "".join(parts)
        if rnd.random() < 0.2:
            s = " " + s
        if rnd.random() < 0.2:
            s += rnd.choice([" ", "\n", "\n\n", "  "])
        return s

    def number():
        r = rnd.random()
        if r < 0.3:
            f = struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(64)))[0]
            return 1.0 if math.isnan(f) or math.isinf(f) else f
        if r < 0.6:
            return rnd.uniform(-1, 1) * 10 ** rnd.randint(-30, 30)
        if r < 0.8:
            return round(rnd.uniform(-1e7, 1e7), rnd.randint(0, 6))
        return rnd.choice([rnd.randint(-2**63, 2**63 - 1), rnd.randint(0, 2**64 - 1)])

    def tree(depth):
        r = rnd.random()
        if depth > 3 or r < 0.35:
            t = rnd.random()
            if t < 0.6:
                return atoms()
            if t < 0.7:
                return rnd.choice([None, True, False])
            if t < 0.9:
                return number()
            return rnd.choice([[], {}])
        if r < 0.65:
            return [tree(depth + 1) for _ in range(rnd.randint(0, 4))]
        return {rnd.choice(TREE_KEYS) + ("" if rnd.random() < 0.7 else atoms()): tree(depth + 1)
                for _ in range(rnd.randint(0, 4))}

    def nest(value, depth):
        for i in range(depth):
            value = {"k%d" % i: value} if rnd.random() < 0.6 else [value]
        return value

    cases = []
    for i in range(count):
        s = atoms() if i % 2 == 0 else text()
        key = s if rnd.random() < 0.7 else "k" * rnd.randint(100, 140) + s[:rnd.randint(0, 20)]
        cases.append({"apiVersion": "stsim.test/v1", "kind": "Case",
                      "metadata": {"name": "random-%03d" % i, "annotations": {"x": "y"}},
                      "value": nest(s, rnd.randint(0, 7)),
                      "keys": nest({key: nest(s, rnd.randint(0, 2))}, rnd.randint(0, 3)),
                      "numbers": [number() for _ in range(3)], "tree": tree(0)})
    return cases


def main():
    items = []
    for group, values in GROUPS:
        for i, s in enumerate(values):
            items.append(string_case("%s-%03d" % (group, i), s))
    # Numbers, kept as JSON text so the float formatting is exercised.
    nums = []
    for i, n in enumerate(NUMBER_VALUES):
        # Keys in sorted order, like every other case (the tests rely on it, see tests.rs).
        nums.append('{"apiVersion":"stsim.test/v1","deep":{"a":{"b":%s}},"kind":"Case",'
                    '"list":[%s,[%s]],"metadata":{"annotations":{"x":"y"},"name":"number-%03d"},'
                    '"value":%s}' % (n, n, n, i, n))
    structures = [
        {"empty": {}, "emptyList": [], "nested": [[], {}, [[]], [{}], {"a": []}, {"a": {}}]},
        {"lol": [[1, 2], [3, [4, [5, [6]]]], [], [[[]]]]},
        {"maps": [{"a": 1, "b": [1, 2], "c": {"d": None}}, {"x": {"y": {"z": [{"w": 1}]}}}]},
        {"nulls": [None, None], "n": None, "bools": [True, False], "t": True},
        # go-yaml's key comparison is not transitive for some keys (a1b2 < a2b < a10 < a1b2),
        # and kubectl then prints them in a random order; this set avoids such cycles.
        {"sort": {k: i for i, k in enumerate([
            "a10", "a9", "a1", "b", "B", "_", "1", "10", "2", "a10b", "ab", "a", "a-b", "a.b",
            "a/b", "\u00e9", "z", "node-1", "node-10", "node-2", "x0", "x00", "x010", "x10",
            "x9", "v1.10", "v1.9", "v1.9.1", "10a", "9a", "a 1", "a  1", "A", "Z", "~", "-",
            "!", "\u65e5", "\U0001F600", "a0", "a00", "a000b", "a12345678901234567890123",
            "a12345678901234567890124", "a2", "a01", "a001", "k8s-v1", "k8s-v10", "k8s-v2",
            "pod-0", "pod-00", "pod-01", "Ab", "aB", "\u00e4", "_a", "a_"])}},
        {"deep": {"l1": {"l2": {"l3": {"l4": {"l5": {"l6": {"l7": {"l8": [
            {"l9": "x " * 50}]}}}}}}}}},
        {"seqOfSeq": [[["a", "b"], ["c"]], [{"k": [{"k2": []}]}]]},
        {"mixed": [1, "1", 1.5, "1.5", True, "true", None, "null", [], {}, "", " "]},
        {"longKeys": {("k" * 129): "v", ("m" * 129): {"a": 1}, ("n" * 129): [1, 2],
                      ("o" * 129): [], ("p" * 129): {}, ("q" * 200): "x " * 60,
                      "a\nb": "multi-line key", "a\nb\n": {"x": 1}, "": "empty key",
                      " ": "space key", "-": "dash", "? x": "q", ("r" * 1022): "longest key",
                      ("s" * 1016 + "<"): "longest escaped key"}},
    ]
    struct_items = []
    for i, s in enumerate(structures):
        obj = {"apiVersion": "stsim.test/v1", "kind": "Case",
               "metadata": {"name": "struct-%03d" % i, "annotations": {"x": "y"}}}
        obj.update(s)
        struct_items.append(obj)
    real = [{
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"annotations": {"x": "y", "kubectl.kubernetes.io/last-applied-configuration":
                     '{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"annotations":{},'
                     '"name":"web","namespace":"default"},"spec":{"replicas":3,"selector":'
                     '{"matchLabels":{"app":"nginx"}},"serviceName":"nginx","template":{"metadata":'
                     '{"labels":{"app":"nginx"}},"spec":{"containers":[{"image":'
                     '"registry.k8s.io/nginx-slim:0.24","name":"nginx","ports":[{"containerPort":80,'
                     '"name":"web"}],"volumeMounts":[{"mountPath":"/usr/share/nginx/html","name":'
                     '"www"}]}]}},"volumeClaimTemplates":[{"metadata":{"name":"www"},"spec":'
                     '{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}]}}\n'},
                     "creationTimestamp": "2024-01-15T10:00:00Z", "generation": 1, "name": "web",
                     "namespace": "default", "resourceVersion": "1234",
                     "uid": "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"},
        "spec": {"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain",
                                                           "whenScaled": "Retain"},
                 "podManagementPolicy": "OrderedReady", "replicas": 3,
                 "revisionHistoryLimit": 10,
                 "selector": {"matchLabels": {"app": "nginx"}}, "serviceName": "nginx",
                 "template": {"metadata": {"creationTimestamp": None,
                                           "labels": {"app": "nginx"}},
                              "spec": {"containers": [{
                                  "command": ["sh", "-c", "echo hello; sleep 3600"],
                                  "env": [{"name": "PORT", "value": "80"},
                                          {"name": "DEBUG", "value": "true"},
                                          {"name": "EMPTY", "value": ""}],
                                  "image": "registry.k8s.io/nginx-slim:0.24",
                                  "imagePullPolicy": "IfNotPresent", "name": "nginx",
                                  "ports": [{"containerPort": 80, "name": "web",
                                             "protocol": "TCP"}],
                                  "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}},
                                  "terminationMessagePath": "/dev/termination-log",
                                  "terminationMessagePolicy": "File",
                                  "volumeMounts": [{"mountPath": "/usr/share/nginx/html",
                                                    "name": "www"}]}],
                                  "dnsPolicy": "ClusterFirst", "restartPolicy": "Always",
                                  "schedulerName": "default-scheduler", "securityContext": {},
                                  "terminationGracePeriodSeconds": 10}},
                 "updateStrategy": {"rollingUpdate": {"partition": 0},
                                    "type": "RollingUpdate"},
                 "volumeClaimTemplates": [{"apiVersion": "v1",
                                           "kind": "PersistentVolumeClaim",
                                           "metadata": {"creationTimestamp": None,
                                                        "name": "www"},
                                           "spec": {"accessModes": ["ReadWriteOnce"],
                                                    "resources": {"requests": {
                                                        "storage": "1Gi"}},
                                                    "volumeMode": "Filesystem"},
                                           "status": {"phase": "Pending"}}]},
        "status": {"availableReplicas": 3, "collisionCount": 0,
                   "currentReplicas": 3, "currentRevision": "web-6d4b8b8b6d",
                   "observedGeneration": 1, "readyReplicas": 3, "replicas": 3,
                   "updateRevision": "web-6d4b8b8b6d", "updatedReplicas": 3}}]
    with open("cases.json", "w", encoding="utf-8") as f:
        randoms = random_cases(random.Random(20240115), 120)
        parts = [json.dumps(o, ensure_ascii=True, sort_keys=True)
                 for o in items + struct_items + real + randoms]
        parts += nums
        f.write('{"apiVersion":"v1","kind":"List","items":[\n' + ",\n".join(parts) + "\n]}\n")
    with open("rejected.json", "w", encoding="utf-8") as f:
        json.dump(REJECTED, f, ensure_ascii=True, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
