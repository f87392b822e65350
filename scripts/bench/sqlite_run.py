"""Runs the SQL on standard input against the SQLite file argv[1]; prints a SELECT's rows."""
import sqlite3
import sys

sql = sys.stdin.read()
db = sqlite3.connect(sys.argv[1])
if sql.lstrip().upper().startswith("SELECT"):
    for row in db.execute(sql.rstrip().rstrip(";")):
        print(" ".join(str(v) for v in row))
else:
    db.executescript(sql)
    db.commit()
