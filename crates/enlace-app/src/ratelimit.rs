//! Sliding-window counters in memory: login failures per client address and per account,
//! without permanent lockout (old failures age out of the window).
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
}
