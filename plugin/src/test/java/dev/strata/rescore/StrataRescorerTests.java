package dev.strata.rescore;

import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TotalHits;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.rest.RestStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rescore logic with a fake document loader and fake service (the HTTP part is in RerankClientTests). */
class StrataRescorerTests {
    @BeforeAll
    static void esLogging() {
        // ElasticsearchException's static initialiser needs Elasticsearch's logger factory (the node sets it up).
        LogConfigurator.configureESLogging();
    }

    private final List<String> logged = new ArrayList<>();
    private final FailureLog failureLog = new FailureLog(60_000, () -> 0L, logged::add);
    private final StrataStats stats = new StrataStats(() -> 1_700_000_000_000L);

    /** Documents are named "d<docId>"; the fake service scores them from a table keyed by that id. */
    private static DocumentLoader loader() {
        return ids -> Arrays.stream(ids).mapToObj(id -> new RerankDocument("d" + id, Map.of("title", "T" + id))).toList();
    }

    private static Reranker table(Map<String, Float> scores, AtomicReference<RerankRequest> seen) {
        return (request, deadline) -> {
            if (seen != null) {
                seen.set(request);
            }
            float[] out = new float[request.documents().size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = scores.get(request.documents().get(i).id());
            }
            return out;
        };
    }

    private static TopDocs topDocs(float... scores) {
        ScoreDoc[] docs = new ScoreDoc[scores.length];
        for (int i = 0; i < scores.length; i++) {
            docs[i] = new ScoreDoc(i * 10, scores[i], 0); // doc ids 0, 10, 20, ...
        }
        return new TopDocs(new TotalHits(scores.length, TotalHits.Relation.EQUAL_TO), docs);
    }

    private StrataRescorer.Context context(int window, RescoreParams params, Reranker reranker) {
        return new StrataRescorer.Context(window, params, "products", searcher -> loader(), reranker, failureLog, stats);
    }

    private static RescoreParams params(ScoreMode mode, OnFailure onFailure, float qw, float rw) {
        return new RescoreParams("fridge", "default", List.of("title"), null, 300, onFailure, mode, qw, rw);
    }

    private static int[] docs(TopDocs td) {
        return Arrays.stream(td.scoreDocs).mapToInt(d -> d.doc).toArray();
    }

    private static float[] scores(TopDocs td) {
        float[] out = new float[td.scoreDocs.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = td.scoreDocs[i].score;
        }
        return out;
    }

    @Test
    void replaceReordersTheWindowByStrataScore() throws IOException {
        AtomicReference<RerankRequest> seen = new AtomicReference<>();
        Reranker service = table(Map.of("d0", 0.1f, "d10", 0.9f, "d20", 0.5f), seen);
        TopDocs out = StrataRescorer.INSTANCE.rescore(topDocs(3f, 2f, 1f), null, context(10, params(ScoreMode.REPLACE, OnFailure.ERROR, 1, 1), service));
        assertArrayEquals(new int[] { 10, 20, 0 }, docs(out));
        assertArrayEquals(new float[] { 0.9f, 0.5f, 0.1f }, scores(out));
        assertEquals(3, out.totalHits.value());

        RerankRequest request = seen.get();
        assertEquals("fridge", request.query());
        assertEquals("default", request.head());
        assertEquals(List.of("title"), request.rankFields());
        assertEquals("products", request.indexName());
        assertEquals(List.of("d0", "d10", "d20"), request.documents().stream().map(RerankDocument::id).toList());
    }

    @Test
    void totalAndMultiplyUseTheWeights() throws IOException {
        Reranker service = table(Map.of("d0", 1f, "d10", 4f), null);
        TopDocs total = StrataRescorer.INSTANCE.rescore(topDocs(10f, 6f), null, context(10, params(ScoreMode.TOTAL, OnFailure.ERROR, 0.5f, 2f), service));
        // d0: 0.5*10 + 2*1 = 7; d10: 0.5*6 + 2*4 = 11
        assertArrayEquals(new int[] { 10, 0 }, docs(total));
        assertArrayEquals(new float[] { 11f, 7f }, scores(total));

        TopDocs product = StrataRescorer.INSTANCE.rescore(topDocs(10f, 6f), null, context(10, params(ScoreMode.MULTIPLY, OnFailure.ERROR, 0.5f, 2f), service));
        // d0: (0.5*10)*(2*1) = 10; d10: (0.5*6)*(2*4) = 24
        assertArrayEquals(new int[] { 10, 0 }, docs(product));
        assertArrayEquals(new float[] { 24f, 10f }, scores(product));
    }

    @Test
    void onlyTheWindowIsSentAndTheRestKeepsFirstStageScores() throws IOException {
        AtomicReference<RerankRequest> seen = new AtomicReference<>();
        Reranker service = table(Map.of("d0", 1f, "d10", 2f), seen);
        StrataRescorer.Context ctx = context(2, params(ScoreMode.TOTAL, OnFailure.ERROR, 2f, 1f), service);
        TopDocs out = StrataRescorer.INSTANCE.rescore(topDocs(5f, 4f, 3f, 1f), null, ctx);
        assertEquals(2, seen.get().documents().size());
        // window: d0 = 2*5+1 = 11, d10 = 2*4+2 = 10; outside: d20 = 2*3 = 6, d30 = 2*1 = 2
        assertArrayEquals(new int[] { 0, 10, 20, 30 }, docs(out));
        assertArrayEquals(new float[] { 11f, 10f, 6f, 2f }, scores(out));
        assertEquals(Set.of(0, 10), ctx.getRescoredDocs());
    }

    @Test
    void keepOrderReturnsTheInputUnchangedAndLogsOnce() throws IOException {
        Reranker down = (request, deadline) -> {
            throw StrataFailure.service("http://127.0.0.1:8787", "connection refused", StrataFailure.Reason.CONNECTION_ERROR);
        };
        TopDocs in = topDocs(3f, 2f, 1f);
        ScoreDoc[] before = in.scoreDocs.clone();
        for (int i = 0; i < 5; i++) {
            StrataRescorer.Context ctx = context(10, params(ScoreMode.REPLACE, OnFailure.KEEP_ORDER, 1, 1), down);
            TopDocs out = StrataRescorer.INSTANCE.rescore(in, null, ctx);
            assertSame(in, out);
            assertArrayEquals(before, out.scoreDocs);
            assertArrayEquals(new float[] { 3f, 2f, 1f }, scores(out));
            // The marker that tells the fetch phase's explain that this shard fell back.
            assertEquals(Set.of(StrataRescorer.FELL_BACK), ctx.getRescoredDocs());
        }
        assertEquals(1, logged.size());
        assertEquals(5, stats.fallbacks(StrataFailure.Reason.CONNECTION_ERROR));
        assertEquals(0, stats.rescoredWindows());
        assertTrue(logged.get(0).startsWith("strata rescorer: service at http://127.0.0.1:8787 failed: connection refused"), logged.get(0));
    }

    @Test
    void errorFailsTheSearchWithTheReason() {
        Reranker down = (request, deadline) -> {
            throw StrataFailure.service("http://strata:8787", "HTTP 500", StrataFailure.Reason.BAD_RESPONSE);
        };
        ElasticsearchStatusException e = assertThrows(
            ElasticsearchStatusException.class,
            () -> StrataRescorer.INSTANCE.rescore(topDocs(1f), null, context(10, params(ScoreMode.REPLACE, OnFailure.ERROR, 1, 1), down))
        );
        assertEquals("strata rescorer: service at http://strata:8787 failed: HTTP 500", e.getMessage());
        assertEquals(RestStatus.BAD_GATEWAY, e.status());

        Reranker slow = (request, deadline) -> {
            throw StrataFailure.service("http://strata:8787", "timed out", StrataFailure.Reason.TIMEOUT);
        };
        e = assertThrows(
            ElasticsearchStatusException.class,
            () -> StrataRescorer.INSTANCE.rescore(topDocs(1f), null, context(10, params(ScoreMode.REPLACE, OnFailure.ERROR, 1, 1), slow))
        );
        assertEquals(RestStatus.GATEWAY_TIMEOUT, e.status());
        assertTrue(logged.isEmpty());
        // Failed searches are counted as errors, not as fallbacks.
        assertEquals(1, stats.errors(StrataFailure.Reason.BAD_RESPONSE));
        assertEquals(1, stats.errors(StrataFailure.Reason.TIMEOUT));
        assertEquals(0, stats.fallbacks(StrataFailure.Reason.TIMEOUT));
        assertEquals(OnFailure.ERROR, stats.lastFailure().onFailure());
    }

    @Test
    void loadingFailureIsHandledLikeAServiceFailure() throws IOException {
        StrataRescorer.Context ctx = new StrataRescorer.Context(
            10,
            params(ScoreMode.REPLACE, OnFailure.KEEP_ORDER, 1, 1),
            "products",
            searcher -> ids -> {
                throw new IOException("corrupt segment");
            },
            table(Map.of(), null),
            failureLog,
            stats
        );
        TopDocs in = topDocs(2f, 1f);
        assertSame(in, StrataRescorer.INSTANCE.rescore(in, null, ctx));
        assertEquals(1, logged.size());
        assertTrue(logged.get(0).startsWith("strata rescorer: could not read _id/_source of the rescore window: corrupt segment"));
        assertEquals(1, stats.fallbacks(StrataFailure.Reason.LOCAL_ERROR));
    }

    @Test
    void cancellationIsNotSwallowedByKeepOrder() {
        StrataRescorer.Context ctx = context(10, params(ScoreMode.REPLACE, OnFailure.KEEP_ORDER, 1, 1), table(Map.of("d0", 1f), null));
        ctx.setCancellationChecker(() -> {
            throw new IllegalStateException("task cancelled");
        });
        assertThrows(IllegalStateException.class, () -> StrataRescorer.INSTANCE.rescore(topDocs(1f), null, ctx));
    }

    @Test
    void emptyTopDocsAreReturnedAsIs() throws IOException {
        TopDocs empty = topDocs();
        AtomicInteger calls = new AtomicInteger();
        Reranker counting = (r, d) -> {
            calls.incrementAndGet();
            return new float[0];
        };
        assertSame(empty, StrataRescorer.INSTANCE.rescore(empty, null, context(10, RescoreParams.of("q"), counting)));
        assertEquals(0, calls.get());
    }

    @Test
    void explainNamesStrataScoreHeadAndCombination() throws IOException {
        Reranker service = table(Map.of("d0", 0.5f, "d10", 2f), null);
        StrataRescorer.Context ctx = context(1, params(ScoreMode.TOTAL, OnFailure.ERROR, 1f, 3f), service);
        StrataRescorer.INSTANCE.rescore(topDocs(4f, 1f), null, ctx);

        Explanation first = Explanation.match(4f, "weight(title:fridge)");
        Explanation e = StrataRescorer.INSTANCE.explain(0, null, ctx, first);
        // 1*4 + 3*0.5
        assertEquals(5.5f, e.getValue().floatValue(), 1e-6);
        String text = e.toString();
        assertTrue(text.contains("score_mode [total], sum of:"), text);
        assertTrue(text.contains("strata score from the service (head [default], fields [title])"), text);
        assertTrue(text.contains("rescore_query_weight"), text);
        assertTrue(text.contains("weight(title:fridge)"), text);

        Explanation outside = StrataRescorer.INSTANCE.explain(10, null, ctx, Explanation.match(1f, "weight(title:fridge)"));
        assertEquals(1f, outside.getValue().floatValue());
        assertTrue(outside.getDescription().startsWith("outside the strata rescore window"), outside.getDescription());
    }

    @Test
    void explainInAFreshContextScoresTheWindowOnce() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        Map<String, Float> table = Map.of("d0", 0.25f, "d10", 0.75f);
        Reranker service = (request, deadline) -> {
            calls.incrementAndGet();
            return table(table, null).rerank(request, deadline);
        };
        // As in the fetch phase of a multi-shard search: new context, rescored doc ids handed over, no scores.
        StrataRescorer.Context ctx = context(10, params(ScoreMode.REPLACE, OnFailure.ERROR, 1f, 1f), service);
        ctx.setRescoredDocs(Set.of(0, 10));
        Explanation a = StrataRescorer.INSTANCE.explain(0, null, ctx, Explanation.match(9f, "bm25"));
        Explanation b = StrataRescorer.INSTANCE.explain(10, null, ctx, Explanation.match(8f, "bm25"));
        assertEquals(0.25f, a.getValue().floatValue());
        assertEquals(0.75f, b.getValue().floatValue());
        assertTrue(a.getDescription().contains("score_mode [replace]"), a.getDescription());
        assertEquals(1, calls.get());
        assertEquals(Set.of(0, 10), ctx.scoredDocs());
    }

    @Test
    void explainAfterAKeepOrderFailureSaysWhy() throws IOException {
        Reranker down = (request, deadline) -> {
            throw StrataFailure.service("http://x:1", "connection refused", StrataFailure.Reason.CONNECTION_ERROR);
        };
        StrataRescorer.Context ctx = context(10, params(ScoreMode.REPLACE, OnFailure.KEEP_ORDER, 1, 1), down);
        StrataRescorer.INSTANCE.rescore(topDocs(2f), null, ctx);
        Explanation e = StrataRescorer.INSTANCE.explain(0, null, ctx, Explanation.match(2f, "bm25"));
        assertEquals(2f, e.getValue().floatValue());
        assertTrue(e.getDescription().startsWith("not rescored by strata (connection_error): strata rescorer: service at http://x:1 failed: connection refused"), e.getDescription());
        assertTrue(e.getDescription().endsWith("on_failure=keep_order kept the first-stage score"), e.getDescription());
    }

    @Test
    void explainInTheFetchContextOfAShardThatFellBackSaysSoWithoutCallingTheService() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        Reranker slow = (request, deadline) -> {
            calls.incrementAndGet();
            throw StrataFailure.service("http://x:1", "timed out: no complete answer within timeout_ms", StrataFailure.Reason.TIMEOUT);
        };
        // Query phase: the shard falls back; the node's counters keep the reason.
        StrataRescorer.Context query = context(10, params(ScoreMode.REPLACE, OnFailure.KEEP_ORDER, 1, 1), slow);
        StrataRescorer.INSTANCE.rescore(topDocs(2f, 1f), null, query);
        assertEquals(1, calls.get());
        // Fetch phase of a multi-shard search: a fresh context that only got the query phase's "rescored docs".
        StrataRescorer.Context fetch = context(10, params(ScoreMode.REPLACE, OnFailure.KEEP_ORDER, 1, 1), slow);
        fetch.setRescoredDocs(query.getRescoredDocs());
        Explanation e = StrataRescorer.INSTANCE.explain(10, null, fetch, Explanation.match(1f, "bm25"));
        assertEquals(1f, e.getValue().floatValue());
        assertEquals(1, calls.get());
        String text = e.getDescription();
        assertTrue(text.startsWith("not rescored by strata: the service call for this shard's window failed; the node's last failure (timeout, "), text);
        assertTrue(text.contains("timed out: no complete answer within timeout_ms"), text);
        assertTrue(text.endsWith("on_failure=keep_order kept the first-stage score"), text);
    }

    @Test
    void statsCountRescoredWindowsAndDocuments() throws IOException {
        Reranker service = table(Map.of("d0", 1f, "d10", 2f, "d20", 3f), null);
        StrataRescorer.INSTANCE.rescore(topDocs(3f, 2f, 1f), null, context(2, RescoreParams.of("q"), service));
        StrataRescorer.INSTANCE.rescore(topDocs(3f, 2f, 1f), null, context(10, RescoreParams.of("q"), service));
        assertEquals(2, stats.rescoredWindows());
        assertEquals(null, stats.lastFailure());
    }

    @Test
    void explainInAFreshContextCallsAFailingServiceOnlyOnce() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        Reranker down = (request, deadline) -> {
            calls.incrementAndGet();
            throw StrataFailure.service("http://x:1", "HTTP 503", StrataFailure.Reason.BAD_RESPONSE);
        };
        StrataRescorer.Context ctx = context(10, params(ScoreMode.TOTAL, OnFailure.KEEP_ORDER, 1, 1), down);
        ctx.setRescoredDocs(Set.of(0, 10));
        Explanation a = StrataRescorer.INSTANCE.explain(0, null, ctx, Explanation.match(9f, "bm25"));
        Explanation b = StrataRescorer.INSTANCE.explain(10, null, ctx, Explanation.match(8f, "bm25"));
        assertEquals(9f, a.getValue().floatValue());
        assertEquals(8f, b.getValue().floatValue());
        assertTrue(b.getDescription().contains("strata score unavailable for the explanation"), b.getDescription());
        assertTrue(b.getDescription().contains("HTTP 503"), b.getDescription());
        assertEquals(1, calls.get());
    }

    @Test
    void multiplyExplanationMatchesTheScore() {
        RescoreParams p = params(ScoreMode.MULTIPLY, OnFailure.ERROR, 2f, 0.5f);
        Explanation e = StrataRescorer.explainCombination(p, 3f, 4f, Explanation.match(3f, "bm25"));
        assertEquals(12f, e.getValue().floatValue());
        assertEquals(2, e.getDetails().length);
        assertEquals(6f, e.getDetails()[0].getValue().floatValue());
        assertEquals(2f, e.getDetails()[1].getValue().floatValue());
    }

    @Test
    void failureLogWritesOncePerIntervalAndCountsTheRest() {
        long[] now = { 1_000_000_000L };
        List<String> lines = new ArrayList<>();
        FailureLog log = new FailureLog(60_000, () -> now[0], lines::add);
        log.record("a");
        log.record("b");
        log.record("c");
        assertEquals(1, lines.size());
        assertTrue(lines.get(0).startsWith("a; on_failure=keep_order"), lines.get(0));
        now[0] += 59_000_000_000L;
        log.record("d");
        assertEquals(1, lines.size());
        now[0] += 1_000_000_000L;
        log.record("e");
        assertEquals(2, lines.size());
        assertTrue(lines.get(1).contains("3 more failure(s) were not logged"), lines.get(1));
        assertTrue(lines.get(1).endsWith("(logged at most once every 60 s)"), lines.get(1));
    }

    @Test
    void scoresArePassedThroughAsHashMapByDoc() throws IOException {
        Map<String, Float> table = new HashMap<>();
        for (int i = 0; i < 50; i++) {
            table.put("d" + (i * 10), (float) i);
        }
        float[] first = new float[50];
        Arrays.fill(first, 1f);
        TopDocs out = StrataRescorer.INSTANCE.rescore(topDocs(first), null, context(100, RescoreParams.of("q"), table(table, null)));
        for (int i = 1; i < out.scoreDocs.length; i++) {
            assertTrue(out.scoreDocs[i - 1].score >= out.scoreDocs[i].score);
        }
        assertEquals(490, out.scoreDocs[0].doc);
    }
}
