package dev.strata.rescore;

/** Scores documents for a query; {@link RerankClient} does it over HTTP. */
@FunctionalInterface
public interface Reranker {
    /**
     * @param deadlineNanos a {@link System#nanoTime()} instant after which the call must have returned
     * @return one score per document, in the order of {@link RerankRequest#documents()}
     */
    float[] rerank(RerankRequest request, long deadlineNanos) throws StrataFailure;
}
