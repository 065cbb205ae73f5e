package io.nsps.connector.config;

import java.util.List;
import java.util.Set;

/** The configuration cannot be used; carries every problem found, not just the first. */
public final class ConfigurationException extends Exception {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;
    /** The environment variables read before the problems stopped the reading ({@link MisspeltSettings}). */
    private final transient Set<String> settingsRead;

    public ConfigurationException(List<String> problems) {
        this(problems, Set.of());
    }

    public ConfigurationException(List<String> problems, Set<String> settingsRead) {
        super(describe(problems));
        this.problems = List.copyOf(problems);
        this.settingsRead = Set.copyOf(settingsRead);
    }

    public List<String> problems() {
        return problems;
    }

    public Set<String> settingsRead() {
        return settingsRead;
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
