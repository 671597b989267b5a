"""Write side, no Flask: functions take a Session, validate, change, flush and audit. Callers commit."""
