package dev.strata.rescore;

import org.elasticsearch.common.Strings;
import org.elasticsearch.common.io.stream.BytesStreamOutput;
import org.elasticsearch.common.io.stream.NamedWriteableAwareStreamInput;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.search.rescore.RescorerBuilder;
import org.elasticsearch.xcontent.NamedXContentRegistry;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.XContentParseException;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.XContentType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StrataRescorerBuilderTests {

    private static StrataRescorerBuilder parse(String json) throws IOException {
        try (XContentParser p = XContentType.JSON.xContent().createParser(XContentParserConfiguration.EMPTY, json)) {
            p.nextToken();
            return StrataRescorerBuilder.fromXContent(p, null);
        }
    }

    /** Parses a whole rescore element the way the search request parser does. */
    private static RescorerBuilder<?> parseRescore(String json) throws IOException {
        NamedXContentRegistry registry = new NamedXContentRegistry(
            List.of(
                new NamedXContentRegistry.Entry(
                    RescorerBuilder.class,
                    new ParseField(StrataRescorerBuilder.NAME),
                    p -> StrataRescorerBuilder.fromXContent(p, null)
                )
            )
        );
        try (XContentParser p = XContentType.JSON.xContent().createParser(XContentParserConfiguration.EMPTY.withRegistry(registry), json)) {
            p.nextToken();
            return RescorerBuilder.parseFromXContent(p, name -> {});
        }
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static String parseError(String json) {
        Exception e = assertThrows(Exception.class, () -> parse(json));
        return rootCause(e).getMessage();
    }

    @Test
    void parsesAllParameters() throws IOException {
        RescoreParams p = parse("""
            { "query": "energy efficient fridge", "head": "products-v2", "fields": ["title", "description", "brand"],
              "index_name": "products", "timeout_ms": 450, "on_failure": "error", "score_mode": "total",
              "query_weight": 0.5, "rescore_query_weight": 2.0 }
            """).params();
        assertEquals("energy efficient fridge", p.query());
        assertEquals("products-v2", p.head());
        assertEquals(List.of("title", "description", "brand"), p.fields());
        assertEquals("products", p.indexName());
        assertEquals(450, p.timeoutMs());
        assertEquals(OnFailure.ERROR, p.onFailure());
        assertEquals(ScoreMode.TOTAL, p.scoreMode());
        assertEquals(0.5f, p.queryWeight());
        assertEquals(2.0f, p.rescoreQueryWeight());
    }

    @Test
    void appliesDefaults() throws IOException {
        RescoreParams p = parse("{ \"query\": \"fridge\" }").params();
        assertEquals(RescoreParams.of("fridge"), p);
        assertEquals("default", p.head());
        assertEquals(List.of("title", "description"), p.fields());
        assertNull(p.indexName());
        assertEquals(1000, p.timeoutMs());
        assertEquals(OnFailure.KEEP_ORDER, p.onFailure());
        assertEquals(ScoreMode.REPLACE, p.scoreMode());
        assertEquals(1.0f, p.queryWeight());
        assertEquals(1.0f, p.rescoreQueryWeight());
    }

    @Test
    void parsesMultiplyAndWholeRescoreElementWithWindowSize() throws IOException {
        RescorerBuilder<?> parsed = parseRescore("""
            { "window_size": 100, "strata": { "query": "fridge", "score_mode": "multiply" } }
            """);
        StrataRescorerBuilder strata = (StrataRescorerBuilder) parsed;
        assertEquals(100, strata.windowSize());
        assertEquals(ScoreMode.MULTIPLY, strata.params().scoreMode());
    }

    @Test
    void rejectsUnknownField() {
        String message = parseError("{ \"query\": \"fridge\", \"windowsize\": 3 }");
        assertTrue(message.contains("[strata] unknown field [windowsize]"), message);
    }

    @Test
    void rejectsMissingQuery() {
        String message = parseError("{ \"head\": \"default\" }");
        assertEquals("[strata] [query] is required and must be a non-empty string", message);
        assertEquals("[strata] [query] is required and must be a non-empty string", parseError("{ \"query\": \"  \" }"));
    }

    @Test
    void rejectsBadEnumValues() {
        assertEquals(
            "[strata] [on_failure] must be one of [keep_order, error], got [ignore]",
            parseError("{ \"query\": \"q\", \"on_failure\": \"ignore\" }")
        );
        assertEquals(
            "[strata] [score_mode] must be one of [replace, total, multiply], got [max]",
            parseError("{ \"query\": \"q\", \"score_mode\": \"max\" }")
        );
        // Enum names are lower case in the DSL.
        assertTrue(parseError("{ \"query\": \"q\", \"score_mode\": \"TOTAL\" }").contains("got [TOTAL]"));
    }

    @Test
    void enforcesTimeoutBounds() throws IOException {
        assertEquals(1, parse("{ \"query\": \"q\", \"timeout_ms\": 1 }").params().timeoutMs());
        assertEquals(60000, parse("{ \"query\": \"q\", \"timeout_ms\": 60000 }").params().timeoutMs());
        assertEquals(
            "[strata] [timeout_ms] must be between 1 and 60000, got [0]",
            parseError("{ \"query\": \"q\", \"timeout_ms\": 0 }")
        );
        assertEquals(
            "[strata] [timeout_ms] must be between 1 and 60000, got [60001]",
            parseError("{ \"query\": \"q\", \"timeout_ms\": 60001 }")
        );
        assertEquals(
            "[strata] [timeout_ms] must be between 1 and 60000, got [-5]",
            parseError("{ \"query\": \"q\", \"timeout_ms\": -5 }")
        );
    }

    @Test
    void rejectsWrongTypes() {
        Exception e = assertThrows(XContentParseException.class, () -> parse("{ \"query\": \"q\", \"timeout_ms\": \"soon\" }"));
        assertTrue(e.getMessage().contains("timeout_ms"), e.getMessage());
        e = assertThrows(XContentParseException.class, () -> parse("{ \"query\": \"q\", \"fields\": {\"a\": 1} }"));
        assertTrue(e.getMessage().contains("fields"), e.getMessage());
    }

    @Test
    void validatesFieldsHeadIndexNameAndWeights() {
        assertEquals("[strata] [fields] must list at least one _source field", parseError("{ \"query\": \"q\", \"fields\": [] }"));
        assertEquals("[strata] [fields] contains [title] twice", parseError("{ \"query\": \"q\", \"fields\": [\"title\", \"title\"] }"));
        assertEquals(
            "[strata] [fields] must not contain [id]: that key carries each hit's _id",
            parseError("{ \"query\": \"q\", \"fields\": [\"id\"] }")
        );
        assertEquals("[strata] [fields] must not contain empty field names", parseError("{ \"query\": \"q\", \"fields\": [\"\"] }"));
        assertEquals("[strata] [head] must be a non-empty string", parseError("{ \"query\": \"q\", \"head\": \"\" }"));
        assertEquals(
            "[strata] [index_name] must be a non-empty string when given",
            parseError("{ \"query\": \"q\", \"index_name\": \" \" }")
        );
        IllegalArgumentException e = assertThrows(
            IllegalArgumentException.class,
            () -> new RescoreParams("q", "default", List.of("title"), null, 300, OnFailure.ERROR, ScoreMode.TOTAL, Float.NaN, 1f)
        );
        assertEquals("[strata] [query_weight] must be a finite number, got [NaN]", e.getMessage());
        e = assertThrows(
            IllegalArgumentException.class,
            () -> new RescoreParams("q", "default", List.of("title"), null, 300, OnFailure.ERROR, ScoreMode.TOTAL, 1f, Float.POSITIVE_INFINITY)
        );
        assertEquals("[strata] [rescore_query_weight] must be a finite number, got [Infinity]", e.getMessage());
    }

    private static StrataRescorerBuilder sample() {
        StrataRescorerBuilder b = new StrataRescorerBuilder(
            new RescoreParams(
                "energy efficient fridge",
                "default",
                List.of("title", "description", "meta.brand"),
                "products",
                250,
                OnFailure.ERROR,
                ScoreMode.MULTIPLY,
                0.7f,
                1.3f
            ),
            null
        );
        b.windowSize(50);
        return b;
    }

    @Test
    void streamRoundTripGivesAnEqualBuilder() throws IOException {
        for (StrataRescorerBuilder original : List.of(sample(), new StrataRescorerBuilder(RescoreParams.of("fridge"), null))) {
            BytesStreamOutput out = new BytesStreamOutput();
            original.writeTo(out);
            StrataRescorerBuilder read = new StrataRescorerBuilder(out.bytes().streamInput(), null);
            assertNotSame(original, read);
            assertEquals(original, read);
            assertEquals(original.hashCode(), read.hashCode());
            assertEquals(original.windowSize(), read.windowSize());
        }
    }

    @Test
    void streamRoundTripThroughTheNamedWriteableRegistry() throws IOException {
        NamedWriteableRegistry registry = new NamedWriteableRegistry(
            List.of(new NamedWriteableRegistry.Entry(RescorerBuilder.class, StrataRescorerBuilder.NAME, in -> new StrataRescorerBuilder(in, null)))
        );
        BytesStreamOutput out = new BytesStreamOutput();
        out.writeNamedWriteable(sample());
        StreamInput in = new NamedWriteableAwareStreamInput(out.bytes().streamInput(), registry);
        assertEquals(sample(), in.readNamedWriteable(RescorerBuilder.class));
    }

    @Test
    void xContentRoundTripGivesAnEqualBuilder() throws IOException {
        for (StrataRescorerBuilder original : List.of(sample(), new StrataRescorerBuilder(RescoreParams.of("fridge"), null))) {
            String json = Strings.toString(original);
            RescorerBuilder<?> parsed = parseRescore(json);
            assertEquals(original, parsed, json);
        }
        String json = Strings.toString(sample());
        assertTrue(json.contains("\"strata\":{\"query\":\"energy efficient fridge\""), json);
        assertTrue(json.contains("\"window_size\":50"), json);
        assertTrue(json.contains("\"score_mode\":\"multiply\""), json);
        assertTrue(json.contains("\"on_failure\":\"error\""), json);
    }

    @Test
    void differentParametersAreNotEqual() {
        StrataRescorerBuilder a = new StrataRescorerBuilder(RescoreParams.of("fridge"), null);
        StrataRescorerBuilder b = new StrataRescorerBuilder(RescoreParams.of("freezer"), null);
        assertTrue(a.equals(b) == false);
        StrataRescorerBuilder c = new StrataRescorerBuilder(RescoreParams.of("fridge"), null);
        c.windowSize(7);
        assertTrue(a.equals(c) == false);
    }

    @Test
    void pluginRegistersTheRescorerAndSettings() {
        StrataPlugin plugin = new StrataPlugin();
        assertEquals(1, plugin.getRescorers().size());
        assertEquals("strata", plugin.getRescorers().get(0).getName().getPreferredName());
        assertTrue(plugin.getSettings().contains(StrataSettings.SERVICE_URL));
        assertTrue(plugin.getSettings().contains(StrataSettings.SERVICE_API_KEY));
        assertTrue(StrataSettings.SERVICE_URL.isDynamic());
        assertEquals("http://127.0.0.1:8787", StrataSettings.SERVICE_URL.getDefault(org.elasticsearch.common.settings.Settings.EMPTY));
    }

    @Test
    void serviceUrlSettingIsValidated() {
        StrataSettings.validateUrl("http://127.0.0.1:8787");
        StrataSettings.validateUrl("https://strata.internal/base/");
        for (String bad : List.of("127.0.0.1:8787", "ftp://x", "http://", "http://u:p@host:1", "http://h/?a=1", "not a url")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StrataSettings.validateUrl(bad), bad);
            assertTrue(e.getMessage().startsWith("[strata.service.url] must be an http(s) base URL"), e.getMessage());
        }
    }
}
