package io.nsps.connector.spec;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The project's document ({@code src/main/resources/openapi/nsps-connector.json}) is the one NSPS
 * publishes ({@code published/nsps-connector-openapi.json}) plus the {@link #COMPLETIONS} listed
 * here, and nothing else, in both directions: every path, operation, response status, schema,
 * property, property type, required field, error type and value constraint (enum, format, pattern,
 * bounds) of the published document is in ours; every schema, property and constraint of ours is
 * NSPS's or a completion. (Ours may answer more statuses than the published one lists.)
 *
 * <p>When NSPS publishes a new document, replace the published file and run
 * {@code mvn -q -pl api-spec test} (seconds): this test lists every difference. A property NSPS
 * renamed or removed shows as ours only: events stop carrying it, so whatever reads it (a handler,
 * the event's identity) reads nothing. A new enum or format shows as a constraint ours lacks: an
 * event with a value outside it would otherwise reach the handlers unannounced; one that NSPS may
 * extend later (an enum of event types) is better listed in {@link #WAIVERS}, with why, than copied.
 */
final class PublishedSpecCompatibilityTest {

    /** What the project's document adds to NSPS's, each with why. */
    private static final Map<String, String> COMPLETIONS = Map.ofEntries(
            entry("schema HealthResponse", "GET /health's answer, which the published document leaves undescribed"),
            entry("schema ProductInfo", "pb_data.product_info, the enrichment PortaOne's guide documents"),
            entry("schema VdCounterInfo", "pb_data.full_vd_counter_info's counters, the enrichment the guide documents"),
            entry("schema ErrorDetail", "one offending field of a refused event (ErrorResponse.details)"),
            entry("schema AccessPolicyInfoOrList", "access_policy_info as one policy or a list: the guide sends both"),
            entry("property AccessPolicyAttribute.values", "an attribute's values as a list, which the guide reads"),
            entry("property ErrorResponse.details", "a 422's offending fields, one {field, problem} each"),
            entry("property PBData.prev_sim_info", "the previous SIM that SIM/Replaced carries (the guide)"),
            entry("property PBData.product_info", "the enrichment the guide documents"),
            entry("property PBData.full_vd_counter_info", "the enrichment the guide documents"),
            entry("constraint Event.event_id minLength=1", "an empty event_id identifies nothing: a 422"));
    /**
     * The published constraints ours leaves out on purpose, each with why: a constraint whose values
     * NSPS may extend (a new event type in an enum, say) would have the connector refuse with a 422,
     * which NSPS never retries, every event carrying a value it adds before the connector is updated.
     * Written as the difference names them ({@code constraint ESPFEvent.event_type enum=[...]}).
     */
    private static final Map<String, String> WAIVERS = Map.ofEntries();
    /** The keywords that limit a value, compared between the documents. */
    private static final List<String> CONSTRAINTS = List.of("enum", "const", "format", "pattern", "minimum", "maximum", "exclusiveMinimum",
            "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems");
    /** An integer's width, for the generated models' Java types: it limits no value NSPS sends. */
    private static final Set<String> WIDTHS = Set.of("format=\"int32\"", "format=\"int64\"");

    private static final JsonNode PUBLISHED = load("openapi/published/nsps-connector-openapi.json");
    private static final JsonNode OURS = load("openapi/nsps-connector.json");

    /** The completions and waivers met while comparing: each listed one must be met. */
    private final Set<String> completionsSeen = new TreeSet<>();
    private final Set<String> waiversSeen = new TreeSet<>();

    /** The documents and waivers of one comparison ({@link #differences}). */
    private JsonNode publishedDoc;
    private JsonNode ourDoc;
    private Map<String, String> waivers;

    @Test
    void theProjectsDocumentIsThePublishedOnePlusItsCompletions() {
        assertThat(differences(PUBLISHED, OURS, WAIVERS))
                .as("differences between api-spec's nsps-connector.json and NSPS's published document, other than the listed completions"
                        + " and waivers (bring NSPS's changes over, and see docs/architecture.md, 'When NSPS changes its API')")
                .isEmpty();
    }

    @Test
    void aPublishedEnumOfEventTypesIsADifferenceUntilWaivedWithWhy() {
        ObjectNode published = PUBLISHED.deepCopy();
        ((ObjectNode) published.at("/components/schemas/ESPFEvent/properties/event_type")).putArray("enum").add("SIM/Updated").add("SIM/Created");
        String waiver = "constraint ESPFEvent.event_type enum=[\"SIM/Updated\",\"SIM/Created\"]";
        Map<String, String> waived = Map.of(waiver, "NSPS adds event types; a 422 for a new one would lose its events");

        assertThat(differences(published, OURS, Map.of())).singleElement().asString()
                .startsWith(waiver + ": published, not in ours").contains("list it in WAIVERS with why");
        assertThat(differences(published, OURS, waived)).isEmpty();
        assertThat(differences(PUBLISHED, OURS, waived)).singleElement().asString()
                .isEqualTo(waiver + ": listed as a waiver, but NSPS no longer publishes it, or ours has it: take it out of WAIVERS");
    }

    @Test
    void requiredFieldsAreComparedWhateverTheirOrder() {
        ObjectNode published = PUBLISHED.deepCopy();
        ArrayNode required = (ArrayNode) published.at("/components/schemas/Event/required");
        List<JsonNode> reversed = new ArrayList<>();
        required.forEach(reversed::add);
        java.util.Collections.reverse(reversed);
        required.removeAll().addAll(reversed);

        assertThat(required.size()).isGreaterThan(1);
        assertThat(differences(published, OURS, WAIVERS)).isEmpty();
    }

    /** Every difference between the two documents, beyond {@link #COMPLETIONS} and {@code waivers}. */
    private List<String> differences(JsonNode publishedDocument, JsonNode ourDocument, Map<String, String> waivers) {
        this.publishedDoc = publishedDocument;
        this.ourDoc = ourDocument;
        this.waivers = waivers;
        completionsSeen.clear();
        waiversSeen.clear();
        List<String> differences = new ArrayList<>();
        operationsAndResponses(differences);
        JsonNode publishedSchemas = publishedDoc.path("components").path("schemas");
        JsonNode ourSchemas = ourDoc.path("components").path("schemas");
        for (String name : union(publishedSchemas, ourSchemas)) {
            JsonNode published = publishedSchemas.path(name);
            JsonNode ours = ourSchemas.path(name);
            if (published.isMissingNode() || ours.isMissingNode()) {
                presence(differences, "schema " + name, published, ours);
                continue;
            }
            Set<String> publishedRequired = names(published.path("required"));
            Set<String> ourRequired = names(ours.path("required"));
            if (!publishedRequired.equals(ourRequired)) {
                differences.add("required fields of " + name + ": published " + publishedRequired + ", ours " + ourRequired
                        + " (a field NSPS makes required is refused with a 422 when absent once ours requires it: check that the"
                        + " examples and samples carry it)");
            }
            constraints(differences, name, published, ours);
            for (String property : union(published.path("properties"), ours.path("properties"))) {
                JsonNode publishedProperty = published.path("properties").path(property);
                JsonNode ourProperty = ours.path("properties").path(property);
                String label = name + "." + property;
                if (publishedProperty.isMissingNode() || ourProperty.isMissingNode()) {
                    presence(differences, "property " + label, publishedProperty, ourProperty);
                } else {
                    if (!options(ourDoc, ourProperty).containsAll(options(publishedDoc, publishedProperty))) {
                        differences.add("type of " + label + ": published " + types(publishedProperty) + ", ours " + types(ourProperty));
                    }
                    constraints(differences, label, publishedProperty, ourProperty);
                }
            }
        }
        for (String completion : COMPLETIONS.keySet()) {
            if (!completionsSeen.contains(completion)) {
                differences.add(completion + ": listed as a completion, but not one (NSPS publishes it now, or ours dropped it):"
                        + " take it out of COMPLETIONS");
            }
        }
        for (String waiver : waivers.keySet()) {
            if (!waiversSeen.contains(waiver)) {
                differences.add(waiver + ": listed as a waiver, but NSPS no longer publishes it, or ours has it: take it out of WAIVERS");
            }
        }
        return differences;
    }


    private void operationsAndResponses(List<String> differences) {
        for (Iterator<Map.Entry<String, JsonNode>> paths = publishedDoc.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> operations = path.getValue().fields(); operations.hasNext(); ) {
                Map.Entry<String, JsonNode> operation = operations.next();
                JsonNode ours = ourDoc.path("paths").path(path.getKey()).path(operation.getKey());
                if (ours.isMissingNode()) {
                    differences.add("operation " + operation.getKey() + " " + path.getKey() + ": published, not in ours");
                    continue;
                }
                operation.getValue().path("responses").fieldNames().forEachRemaining(status -> {
                    if (ours.path("responses").path(status).isMissingNode()) {
                        differences.add("response " + status + " of " + operation.getKey() + " " + path.getKey() + ": published, not in ours");
                    }
                });
                if (!operation.getValue().path("requestBody").equals(ours.path("requestBody"))) {
                    differences.add("request body of " + operation.getKey() + " " + path.getKey() + ": published "
                            + operation.getValue().path("requestBody") + ", ours " + ours.path("requestBody"));
                }
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> paths = ourDoc.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            path.getValue().fieldNames().forEachRemaining(operation -> {
                if (publishedDoc.path("paths").path(path.getKey()).path(operation).isMissingNode()) {
                    differences.add("operation " + operation + " " + path.getKey() + ": ours, not published (NSPS removed it?)");
                }
            });
        }
    }

    /** One side lacks the element: a difference, unless ours adds it as a listed completion. */
    private void presence(List<String> differences, String element, JsonNode published, JsonNode ours) {
        if (published.isMissingNode() && COMPLETIONS.containsKey(element)) {
            completionsSeen.add(element);
        } else if (published.isMissingNode()) {
            differences.add(element + ": ours, not published (NSPS renamed or removed it, so events no longer carry it; or it is a"
                    + " completion of ours to list in COMPLETIONS, with why)");
        } else {
            differences.add(element + ": published, not in ours");
        }
    }

    /** The value constraints of one schema or property: the same on both sides, but for integer widths and listed completions. */
    private void constraints(List<String> differences, String label, JsonNode published, JsonNode ours) {
        Set<String> publishedConstraints = constraints(published);
        Set<String> ourConstraints = constraints(ours);
        for (String constraint : publishedConstraints) {
            String waiver = "constraint " + label + " " + constraint;
            if (ourConstraints.contains(constraint)) {
                continue;
            }
            if (waivers.containsKey(waiver)) {
                waiversSeen.add(waiver);
            } else {
                differences.add(waiver + ": published, not in ours (ours: " + ourConstraints + "). Bring it over; or, if enforcing it"
                        + " would refuse values NSPS may add later (a 422, never retried: such events would be lost), list it in"
                        + " WAIVERS with why");
            }
        }
        for (String constraint : ourConstraints) {
            String completion = "constraint " + label + " " + constraint;
            if (publishedConstraints.contains(constraint) || WIDTHS.contains(constraint)) {
                continue;
            }
            if (COMPLETIONS.containsKey(completion)) {
                completionsSeen.add(completion);
            } else {
                differences.add(completion + ": ours, not published (NSPS dropped or changed it: published " + publishedConstraints + ")");
            }
        }
    }

    /** Each {@link #CONSTRAINTS} keyword with its value ({@code format="date-time"}), at the top, in items and in every branch. */
    private static Set<String> constraints(JsonNode schema) {
        Set<String> found = new TreeSet<>();
        for (String keyword : CONSTRAINTS) {
            if (schema.has(keyword)) {
                found.add(keyword + "=" + schema.get(keyword));
            }
        }
        if (schema.has("items")) {
            constraints(schema.get("items")).forEach(constraint -> found.add("items." + constraint));
        }
        for (String combinator : List.of("anyOf", "allOf", "oneOf")) {
            schema.path(combinator).forEach(branch -> found.addAll(constraints(branch)));
        }
        return found;
    }

    /**
     * The alternatives a property allows, each as {@link #types}: the branches of its anyOf or oneOf,
     * and those of a schema it refers to that is only such a choice (as AccessPolicyInfoOrList is), so
     * that a property of ours that allows more than the published one still covers it.
     */
    private static Set<String> options(JsonNode document, JsonNode property) {
        Set<String> options = new LinkedHashSet<>();
        for (String combinator : List.of("anyOf", "oneOf")) {
            property.path(combinator).forEach(branch -> options.addAll(options(document, branch)));
        }
        if (!options.isEmpty()) {
            return options;
        }
        String ref = property.path("$ref").asText("");
        JsonNode target = ref.startsWith("#/") ? document.at(ref.substring(1)) : null;
        if (target != null && !target.has("type") && !target.has("properties") && (target.has("anyOf") || target.has("oneOf"))) {
            options.add(types(property));
            options.addAll(options(document, target));
            return options;
        }
        options.add(types(property));
        return options;
    }

    /** The JSON types and references a property allows, ignoring annotations and constraints (compared apart). */
    private static String types(JsonNode property) {
        List<String> types = new ArrayList<>();
        if (property.has("type")) {
            types.add(property.path("type").asText());
        }
        if (property.has("$ref")) {
            types.add(property.path("$ref").asText());
        }
        if (property.has("items")) {
            types.add("items:" + types(property.path("items")));
        }
        for (String combinator : List.of("anyOf", "allOf", "oneOf")) {
            property.path(combinator).forEach(option -> types.add(combinator + ":" + types(option)));
        }
        return String.join(",", types);
    }

    /** The strings of a JSON array ({@code required}), in order of name: the order means nothing. */
    private static Set<String> names(JsonNode array) {
        Set<String> names = new TreeSet<>();
        array.forEach(name -> names.add(name.asText()));
        return names;
    }

    private static Set<String> union(JsonNode a, JsonNode b) {
        Set<String> names = new TreeSet<>();
        a.fieldNames().forEachRemaining(names::add);
        b.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static JsonNode load(String resource) {
        try (InputStream in = PublishedSpecCompatibilityTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(resource, e);
        }
    }
}
