package io.nsps.connector.logging;

/** {@code LOG_FORMAT}: one JSON object per line, or readable text. */
public enum LogFormat { JSON, TEXT }
