package io.nsps.connector.outcome;

/** One offending field of a refused event, by its JSON path ({@code pb_data.sim_info.imsi}), and what is wrong with it. */
public record FieldProblem(String field, String problem) {

    /** Longest field path or problem kept. */
    static final int MAX_CHARS = 300;

    public FieldProblem {
        field = Texts.storable(field, MAX_CHARS);
        problem = Texts.storable(problem, MAX_CHARS);
    }
}
