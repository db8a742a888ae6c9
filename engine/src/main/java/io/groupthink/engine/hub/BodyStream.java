package io.groupthink.engine.hub;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A response body read buffer by buffer, with a read timeout: {@link java.net.http.HttpClient} bounds only
 * the wait for the response headers, so a stalled body would otherwise block for ever. Demand is one list
 * of buffers at a time, so memory stays bounded whatever the body size. Closing cancels the exchange.
 */
final class BodyStream implements Flow.Subscriber<List<ByteBuffer>>, AutoCloseable {

    private static final Object END = new Object();

    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final long timeoutNanos;
    private volatile Flow.Subscription subscription;
    private Iterator<ByteBuffer> current;
    private boolean done;

    BodyStream(Flow.Publisher<List<ByteBuffer>> publisher, Duration readTimeout) {
        this.timeoutNanos = readTimeout.toNanos();
        publisher.subscribe(this);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        queue.add(item);
    }

    @Override
    public void onError(Throwable t) {
        queue.add(t);
    }

    @Override
    public void onComplete() {
        queue.add(END);
    }

    /** The next non-empty buffer, or null at the end of the body. */
    ByteBuffer next() throws IOException {
        while (true) {
            if (done) {
                return null;
            }
            if (current != null && current.hasNext()) {
                ByteBuffer b = current.next();
                if (b.hasRemaining()) {
                    return b;
                }
                continue;
            }
            if (current != null) {
                current = null;
                subscription.request(1);
            }
            Object item;
            try {
                item = queue.poll(timeoutNanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new InterruptedIOException("download interrupted");
            }
            if (item == null) {
                close();
                throw new HttpTimeoutException("no data received for "
                        + Duration.ofNanos(timeoutNanos).toMillis() + " ms (read timeout)");
            }
            if (item == END) {
                done = true;
                return null;
            }
            if (item instanceof Throwable t) {
                done = true;
                throw new IOException(t.getMessage() != null ? t.getMessage() : t.toString(), t);
            }
            @SuppressWarnings("unchecked")
            List<ByteBuffer> list = (List<ByteBuffer>) item;
            current = list.iterator();
        }
    }

    @Override
    public void close() {
        done = true;
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }
}
