package io.nsps.connector.config;

import java.util.List;

/** The configuration cannot be used; carries every problem found, not just the first. */
public final class ConfigurationException extends Exception {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public ConfigurationException(List<String> problems) {
        super(describe(problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }

    private static String describe(List<String> problems) {
        StringBuilder text = new StringBuilder("configuration has ")
                .append(problems.size()).append(problems.size() == 1 ? " error:" : " errors:");
        for (String problem : problems) {
            text.append(System.lineSeparator()).append("  - ").append(problem);
        }
        return text.toString();
    }
}
