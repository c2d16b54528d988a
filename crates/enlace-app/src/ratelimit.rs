//! Sliding-window counters in memory: login failures per client address and per account,
//! without permanent lockout (old failures age out of the window). `take` checks and counts
//! an attempt in one step under the lock, so concurrent attempts cannot all pass the check
//! before any of them is counted; a successful attempt gives its slot back.
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

#[derive(Debug)]
pub struct Limiter {
    window_ms: i64,
    max: usize,
    hits: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl Limiter {
    pub fn new(max: usize, window_secs: i64) -> Limiter {
        Limiter {
            window_ms: window_secs * 1000,
            max,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds to wait before another attempt, if the key is over its limit now.
    pub fn blocked(&self, key: &str, now_ms: i64) -> Option<i64> {
        let mut map = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        let q = map.get_mut(key)?;
        while q.front().is_some_and(|&t| t <= now_ms - self.window_ms) {
            q.pop_front();
        }
        if q.len() >= self.max {
            q.front()
                .map(|&first| ((first + self.window_ms - now_ms) / 1000).max(1))
        } else {
            None
        }
    }

    /// Checks the limit and counts this attempt at once: Err(seconds to wait) when over it.
    pub fn take(&self, key: &str, now_ms: i64) -> Result<(), i64> {
        let mut map = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(q) = map.get_mut(key) {
            while q.front().is_some_and(|&t| t <= now_ms - self.window_ms) {
                q.pop_front();
            }
            if q.len() >= self.max {
                return Err(q
                    .front()
                    .map(|&first| ((first + self.window_ms - now_ms) / 1000).max(1))
                    .unwrap_or(1));
            }
        }
        Self::push(&mut map, self.window_ms, key, now_ms);
        Ok(())
    }

    /// Gives back the slot `take` counted at `at` (the attempt succeeded).
    pub fn give_back(&self, key: &str, at: i64) {
        let mut map = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(q) = map.get_mut(key) {
            if let Some(pos) = q.iter().rposition(|&t| t == at) {
                q.remove(pos);
            }
            if q.is_empty() {
                map.remove(key);
            }
        }
    }

    fn push(map: &mut HashMap<String, VecDeque<i64>>, window_ms: i64, key: &str, now_ms: i64) {
        // Bound memory under a flood of distinct keys: forget the oldest windows wholesale.
        if map.len() > 100_000 {
            let cutoff = now_ms - window_ms;
            map.retain(|_, q| q.back().is_some_and(|&t| t > cutoff));
        }
        map.entry(key.to_string()).or_default().push_back(now_ms);
    }

    pub fn record(&self, key: &str, now_ms: i64) {
        let mut map = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        // Bound memory under a flood of distinct keys: forget the oldest windows wholesale.
        if map.len() > 100_000 {
            let cutoff = now_ms - self.window_ms;
            map.retain(|_, q| q.back().is_some_and(|&t| t > cutoff));
        }
        map.entry(key.to_string()).or_default().push_back(now_ms);
    }

    pub fn clear(&self, key: &str) {
        let mut map = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn blocks_then_ages_out() {
        let l = Limiter::new(3, 60);
        for t in 0..3 {
            assert!(l.blocked("k", t * 1000).is_none());
            l.record("k", t * 1000);
        }
        assert!(l.blocked("k", 3_000).is_some());
        assert!(l.blocked("other", 3_000).is_none());
        assert!(l.blocked("k", 61_000).is_none());
    }

    #[test]
    fn take_counts_at_once_and_gives_back() {
        let l = Limiter::new(2, 60);
        assert!(l.take("k", 0).is_ok());
        assert!(l.take("k", 0).is_ok());
        assert!(
            l.take("k", 0).is_err(),
            "the third concurrent attempt is refused"
        );
        l.give_back("k", 0);
        assert!(l.take("k", 1).is_ok());
    }

    #[test]
    fn take_holds_under_threads() {
        let l = std::sync::Arc::new(Limiter::new(10, 60));
        let ok: usize = (0..8)
            .map(|_| {
                let l = l.clone();
                std::thread::spawn(move || (0..50).filter(|_| l.take("k", 5).is_ok()).count())
            })
            .map(|h| h.join().unwrap())
            .sum();
        assert_eq!(ok, 10);
    }
}
