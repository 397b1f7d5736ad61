#if canImport(Glibc)
import Glibc
#endif

/// Decompression and hashing on a thread of their own, so they overlap with the file writes of the tar
/// side (which spend their time in the kernel). The producer copies blocks of the `DecompressedStream`
/// into a small ring of large buffers; the consumer (the tar reader's read callback) takes them in order.
///
/// Only the producer thread touches the stream until `finish()` has joined it.
final class PipelinedStream: @unchecked Sendable {
    private let stream: DecompressedStream
    private let slotCount = 4
    private let slotCapacity = 1 << 20
    private var slots: [UnsafeMutableRawPointer]
    private var lengths: [Int]
    // Ring state, under `mutex`.
    private var filled = 0  // slots published, not yet taken back
    private var readIndex = 0  // next slot the consumer takes
    private var writeIndex = 0  // next slot the producer fills
    private var ended = false  // the producer is done: EOF or failure
    private var cancelled = false
    private var holding = false  // the consumer holds slot readIndex-1
    private(set) var failure: String?
    private var mutex = pthread_mutex_t()
    private var changed = pthread_cond_t()
    private var thread = pthread_t()
    private var started = false
    private var joined = false

    init(_ stream: DecompressedStream) {
        self.stream = stream
        let capacity = slotCapacity
        slots = (0..<slotCount).map { _ in UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 4096) }
        lengths = Array(repeating: 0, count: slotCount)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&changed, nil)
    }

    deinit {
        finish()
        pthread_cond_destroy(&changed)
        pthread_mutex_destroy(&mutex)
        for slot in slots { slot.deallocate() }
    }

    /// Start the producer thread. false if the thread could not be made (then use the stream directly).
    func start() -> Bool {
        let context = Unmanaged.passRetained(self).toOpaque()
        let r = pthread_create(
            &thread, nil,
            { context in
                let me = Unmanaged<PipelinedStream>.fromOpaque(context!).takeRetainedValue()
                me.produce()
                return nil
            }, context)
        if r != 0 {
            Unmanaged<PipelinedStream>.fromOpaque(context).release()
            return false
        }
        started = true
        return true
    }

    private func produce() {
        var index = -1  // the slot being filled, -1 for none
        var length = 0
        func flush() -> Bool {
            if index >= 0 && length > 0 && !publish(index: index, length: length) { return false }
            index = -1
            length = 0
            return true
        }
        while true {
            guard let block = stream.next() else {
                if flush() { end(failure: stream.failure ?? "read error") }
                return
            }
            if block.count == 0 {
                if flush() { end(failure: nil) }
                return
            }
            var offset = 0
            while offset < block.count {
                if index < 0 {
                    guard let free = waitForSlot() else { return }
                    index = free
                }
                let n = min(block.count - offset, slotCapacity - length)
                (slots[index] + length).copyMemory(from: block.baseAddress! + offset, byteCount: n)
                length += n
                offset += n
                if length == slotCapacity && !flush() { return }
            }
            // Hand over in large pieces: fewer wake-ups, and the tar reader sees long runs.
            if length >= slotCapacity / 2 && !flush() { return }
        }
    }

    private func end(failure message: String?) {
        pthread_mutex_lock(&mutex)
        ended = true
        failure = message
        pthread_cond_broadcast(&changed)
        pthread_mutex_unlock(&mutex)
    }

    private func publish(index: Int, length: Int) -> Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if cancelled { return false }
        lengths[index] = length
        writeIndex = (index + 1) % slotCount
        filled += 1
        pthread_cond_broadcast(&changed)
        return true
    }

    /// Wait for a free slot; nil when cancelled.
    private func waitForSlot() -> Int? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while filled == slotCount && !cancelled { pthread_cond_wait(&changed, &mutex) }
        return cancelled ? nil : writeIndex
    }

    /// The next block of uncompressed bytes (valid until the next call); empty at the end; nil on a read
    /// error (see `failure`).
    func next() -> UnsafeRawBufferPointer? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if holding {
            holding = false
            readIndex = (readIndex + 1) % slotCount
            filled -= 1
            pthread_cond_broadcast(&changed)
        }
        while filled == 0 && !ended { pthread_cond_wait(&changed, &mutex) }
        if filled == 0 {
            if failure != nil { return nil }
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        holding = true
        return UnsafeRawBufferPointer(start: slots[readIndex], count: lengths[readIndex])
    }

    /// Consume to the end (so the hash covers the whole stream).
    func drain() -> Bool {
        while true {
            guard let block = next() else { return false }
            if block.count == 0 { return true }
        }
    }

    /// Stop the producer (if still running) and join it. After this the stream may be read directly.
    func finish() {
        guard started && !joined else { return }
        pthread_mutex_lock(&mutex)
        cancelled = true
        pthread_cond_broadcast(&changed)
        pthread_mutex_unlock(&mutex)
        pthread_join(thread, nil)
        joined = true
    }
}
