package io.nsps.connector.parsing;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NumericNode;
import com.fasterxml.jackson.databind.node.ValueNode;

/**
 * Builds the tree of an event and refuses, while parsing, a number that overflows a double:
 * Jackson silently reads {@code 1e1000000} as Infinity. Checking as nodes are made costs nothing
 * extra; a walk over the finished tree cost about a tenth of a 1 MB event's parse.
 */
final class FiniteNumberNodeFactory extends JsonNodeFactory {

    private static final long serialVersionUID = 1L;

    /** Thrown out of {@code readTree}; carries no stack trace (it is an answer, not a bug). */
    static final class NonFiniteNumberException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NonFiniteNumberException() {
            super("number out of range", null, false, false);
        }
    }

    @Override
    public NumericNode numberNode(double v) {
        return super.numberNode(finite(v));
    }

    @Override
    public ValueNode numberNode(Double value) {
        return value == null ? nullNode() : super.numberNode(finite(value));
    }

    @Override
    public NumericNode numberNode(float v) {
        return super.numberNode((float) finite(v));
    }

    @Override
    public ValueNode numberNode(Float value) {
        return value == null ? nullNode() : super.numberNode((float) finite(value));
    }

    private static double finite(double v) {
        if (!Double.isFinite(v)) {
            throw new NonFiniteNumberException();
        }
        return v;
    }
}
