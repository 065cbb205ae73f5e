package io.nsps.connector.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Environment variables one typing slip away from a setting that was read: {@code STATE_STOR} for
 * {@code STATE_STORE}, {@code HLR_AUT} for {@code HLR_AUTH}. Such a variable is ignored, so the
 * setting's default applies in silence (a memory store where a shared one was meant), and it is
 * reported as a configuration problem instead. One slip is one letter inserted, left out, changed,
 * or two neighbours swapped; further than that, a variable is someone else's ({@code HOME} is two
 * from {@code HOST}), and the environment of a container holds many.
 */
public final class MisspeltSettings {

    /** Read before the reader exists ({@code ConnectorConfigLoader.handlersDir}) or by the launcher script. */
    private static final Set<String> READ_ELSEWHERE = Set.of("HANDLERS_DIR", "NSPS_CONNECTOR_HOME");
    private static final Pattern SETTING_LIKE = Pattern.compile("[A-Z][A-Z0-9_]*");

    private MisspeltSettings() {
    }

    /** One problem for each variable of {@code env} one slip from a name in {@code read} (or its {@code _FILE} form). */
    public static List<String> in(Map<String, String> env, Set<String> read) {
        Set<String> known = new TreeSet<>(READ_ELSEWHERE);
        for (String name : read) {
            known.add(name);
            known.add(name + "_FILE");
        }
        List<String> problems = new ArrayList<>();
        for (String variable : new TreeSet<>(env.keySet())) {
            if (known.contains(variable) || !SETTING_LIKE.matcher(variable).matches()) {
                continue;
            }
            known.stream().filter(name -> oneSlipApart(variable, name)).findFirst().ifPresent(name -> problems.add(variable
                    + " is not a setting; did you mean " + name + "? (as written it is ignored, and " + name + "'s default applies)"));
        }
        return problems;
    }

    /** Whether {@code a} becomes {@code b} by one letter inserted, left out or changed, or two neighbours swapped. */
    static boolean oneSlipApart(String a, String b) {
        if (a.equals(b) || Math.abs(a.length() - b.length()) > 1) {
            return false;
        }
        int start = 0;
        while (start < a.length() && start < b.length() && a.charAt(start) == b.charAt(start)) {
            start++;
        }
        int endA = a.length();
        int endB = b.length();
        while (endA > start && endB > start && a.charAt(endA - 1) == b.charAt(endB - 1)) {
            endA--;
            endB--;
        }
        int differA = endA - start;
        int differB = endB - start;
        if (differA <= 1 && differB <= 1) {
            return true; // one inserted, left out or changed
        }
        return differA == 2 && differB == 2 && a.charAt(start) == b.charAt(start + 1) && a.charAt(start + 1) == b.charAt(start);
    }
}
