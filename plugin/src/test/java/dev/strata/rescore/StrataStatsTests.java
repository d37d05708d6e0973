package dev.strata.rescore;

import org.elasticsearch.common.Strings;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.xcontent.ToXContent;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentFactory;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.XContentType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The JSON that {@code GET _strata/stats} serves (the handler adds "node" and "service_url" around it). */
class StrataStatsTests {
    @BeforeAll
    static void esLogging() {
        LogConfigurator.configureESLogging();
    }

    private static Map<String, Object> json(StrataStats stats) throws IOException {
        XContentBuilder b = XContentFactory.jsonBuilder();
        stats.toXContent(b, ToXContent.EMPTY_PARAMS);
        try (XContentParser p = XContentType.JSON.xContent().createParser(XContentParserConfiguration.EMPTY, Strings.toString(b))) {
            return p.map();
        }
    }

    @Test
    void emptyStatsHaveZeroCountersAndNoLastFailure() throws IOException {
        Map<String, Object> j = json(new StrataStats(() -> 0L));
        assertEquals(0, j.get("rescored_windows"));
        assertEquals(
            Map.of("timeout", 0, "connection_error", 0, "bad_response", 0, "local_error", 0, "total", 0),
            j.get("fallbacks")
        );
        assertNull(j.get("last_failure"));
        assertEquals(true, j.containsKey("last_failure"));
    }

    @Test
    void countsByReasonAndKeepsTheLastFailure() throws IOException {
        long[] now = { 1_700_000_000_000L };
        StrataStats stats = new StrataStats(() -> now[0]);
        stats.rescored(100);
        stats.rescored(40);
        stats.failed(StrataFailure.service("http://s", "timed out", StrataFailure.Reason.TIMEOUT), OnFailure.KEEP_ORDER);
        stats.failed(StrataFailure.service("http://s", "timed out", StrataFailure.Reason.TIMEOUT), OnFailure.KEEP_ORDER);
        now[0] += 1000;
        stats.failed(StrataFailure.service("http://s", "HTTP 503", StrataFailure.Reason.BAD_RESPONSE), OnFailure.ERROR);
        Map<String, Object> j = json(stats);
        assertEquals(2, j.get("rescored_windows"));
        assertEquals(140, j.get("rescored_documents"));
        assertEquals(Map.of("timeout", 2, "connection_error", 0, "bad_response", 0, "local_error", 0, "total", 2), j.get("fallbacks"));
        assertEquals(Map.of("timeout", 0, "connection_error", 0, "bad_response", 1, "local_error", 0, "total", 1), j.get("errors"));
        assertEquals(
            Map.of(
                "reason", "bad_response",
                "message", "strata rescorer: service at http://s failed: HTTP 503",
                "on_failure", "error",
                "timestamp", "2023-11-14T22:13:21Z",
                "timestamp_millis", 1_700_000_001_000L
            ),
            j.get("last_failure")
        );
    }
}
