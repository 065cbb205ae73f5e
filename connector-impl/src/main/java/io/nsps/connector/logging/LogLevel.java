package io.nsps.connector.logging;

/** {@code LOG_LEVEL}. */
public enum LogLevel { TRACE, DEBUG, INFO, WARN, ERROR }
