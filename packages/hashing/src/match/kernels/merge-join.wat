;; One chunk table of the sweep index's merge join (sweep-index.ts, `merge`), as WebAssembly.
;;
;; Why WebAssembly: JavaScript has no 64-bit popcount, and the shift-and-mask popcount on 32-bit
;; words was most of the join's time. Here V8 compiles `i64.popcnt` to the POPCNT instruction.
;; Sorting, the plan and the results stay in JavaScript; this is only the loop over candidates.
;;
;; Assembled by packages/hashing/build-kernels.mjs (wabt, from npm) into merge-join.wasm beside
;; this file; kernels.test.ts assembles it again and compares the bytes, so the binary is this source.
;;
;; Memory, laid out by merge-join.ts (little-endian, as WebAssembly always is):
;;   records: 36 bytes each, the hash's 8 big-endian words as 32-bit integers, then its position.
;;            An i64 load at byte 8k holds words 2k (low half) and 2k + 1 (high half); a distance
;;            does not care which half a word is in. Each side is followed by one spare record,
;;            since records are read two at a time.
;;   directories: one u32 per chunk key plus one, the first record of each key (counting-sorted).
;;   masks: the v probe masks of the table (u32): the keys within τ of `key` are key ^ mask.
;;   earlier: per earlier table 32 bytes: lane offset (i32), τ (i32), mask (i64), lane offset (i32),
;;            unused (i32), mask (i64): that table's chunk is within τ when popcnt((x ^ y) & mask),
;;            summed over its two lanes, is at most τ.
;;   out: hits, 12 bytes each: position in side a, position in side b, distance.
;;   state: key, probe, row (byte address; 0 means the first row of the key): where to resume.
;;
;; Loops: key of side a, then each probe key (key ^ mask), then the key's records of side a two
;; at a time against the probe key's records of side b two at a time: four pairs checked at once,
;; branch-free, with any pair past either run masked off. Runs are short (1.5 records a key at
;; 100,000 hashes and 16-bit chunks), so a loop that ends at an unpredictable count costs more than
;; the checks; blocks of 2 × 2 take most runs in one pass. Measured on one table of 100,000 hashes
;; against 100,000 queries: 12-13 ms uniform, 21 ms clustered, against 16 and 25 ms one pair at a
;; time and about 31 ms in JavaScript.
;;
;; A call stops before two rows whose every candidate might not fit in `out` (the caller's buffer
;; holds at least twice the longer side), saves where it was in `state`, and returns the hits
;; written; the caller drains them and calls again until state's key reaches `size`.
(module
  (memory (export "memory") 1)
  (func (export "mergeTable")
    (param $a i32) (param $aDir i32) (param $b i32) (param $bDir i32)
    (param $size i32) (param $masks i32) (param $v i32) (param $radius i32)
    (param $table i32) (param $earlier i32)
    (param $out i32) (param $outCap i32) (param $state i32)
    (result i32)
    (local $key i32) (local $j i32) (local $ao i32)
    (local $a0 i32) (local $a1 i32) (local $b0 i32) (local $b1 i32) (local $bo i32) (local $at i32) (local $ar i32)
    (local $x0 i64) (local $x1 i64) (local $y0 i64) (local $y1 i64) (local $z0 i64) (local $z1 i64) (local $w0 i64) (local $w1 i64)
    (local $d i32) (local $pass i32) (local $rowMask i32) (local $bit i32) (local $other i32)
    (local $e i32) (local $eEnd i32) (local $lane i32) (local $n i32) (local $r1 i32)
    (local.set $key (i32.load (local.get $state)))
    (local.set $j (i32.load offset=4 (local.get $state)))
    (local.set $ao (i32.load offset=8 (local.get $state)))
    (local.set $eEnd (i32.add (local.get $earlier) (i32.shl (local.get $table) (i32.const 5))))
    (local.set $r1 (i32.add (local.get $radius) (i32.const 1)))
    (block $done
      (loop $keys
        (br_if $done (i32.ge_u (local.get $key) (local.get $size)))
        (local.set $a0 (i32.add (local.get $a)
          (i32.mul (i32.load (i32.add (local.get $aDir) (i32.shl (local.get $key) (i32.const 2)))) (i32.const 36))))
        (local.set $a1 (i32.add (local.get $a)
          (i32.mul (i32.load offset=4 (i32.add (local.get $aDir) (i32.shl (local.get $key) (i32.const 2)))) (i32.const 36))))
        (if (i32.ne (local.get $a0) (local.get $a1))
          (then
            (block $probesDone
              (loop $probes
                (br_if $probesDone (i32.ge_u (local.get $j) (local.get $v)))
                (local.set $other (i32.xor (local.get $key)
                  (i32.load (i32.add (local.get $masks) (i32.shl (local.get $j) (i32.const 2))))))
                (local.set $b0 (i32.add (local.get $b)
                  (i32.mul (i32.load (i32.add (local.get $bDir) (i32.shl (local.get $other) (i32.const 2)))) (i32.const 36))))
                (local.set $b1 (i32.add (local.get $b)
                  (i32.mul (i32.load offset=4 (i32.add (local.get $bDir) (i32.shl (local.get $other) (i32.const 2)))) (i32.const 36))))
                (if (i32.lt_u (local.get $ao) (local.get $a0)) (then (local.set $ao (local.get $a0))))
                (block $rowsDone
                  (loop $rows
                    (br_if $rowsDone (i32.ge_u (local.get $ao) (local.get $a1)))
                    ;; Room for every candidate of these two rows, or stop here and resume later.
                    (if (i32.lt_u
                          (i32.mul (i32.sub (local.get $outCap) (local.get $n)) (i32.const 18))
                          (i32.sub (local.get $b1) (local.get $b0)))
                      (then
                        (i32.store (local.get $state) (local.get $key))
                        (i32.store offset=4 (local.get $state) (local.get $j))
                        (i32.store offset=8 (local.get $state) (local.get $ao))
                        (return (local.get $n))))
                    (local.set $x0 (i64.load align=4 (local.get $ao)))
                    (local.set $x1 (i64.load offset=8 align=4 (local.get $ao)))
                    (local.set $y0 (i64.load offset=36 align=4 (local.get $ao)))
                    (local.set $y1 (i64.load offset=44 align=4 (local.get $ao)))
                    ;; $pass bits: 0 and 1 row x with the two b records, 2 and 3 row y with them.
                    (local.set $rowMask (select (i32.const 15) (i32.const 3)
                      (i32.gt_u (i32.sub (local.get $a1) (local.get $ao)) (i32.const 36))))
                    (local.set $bo (local.get $b0))
                    (block $runDone
                      (loop $pairs
                        (br_if $runDone (i32.ge_u (local.get $bo) (local.get $b1)))
                        (local.set $z0 (i64.load align=4 (local.get $bo)))
                        (local.set $z1 (i64.load offset=8 align=4 (local.get $bo)))
                        (local.set $w0 (i64.load offset=36 align=4 (local.get $bo)))
                        (local.set $w1 (i64.load offset=44 align=4 (local.get $bo)))
                        ;; Words 0-3 (a random pair differs in about 64 of these 128 bits).
                        (local.set $pass (i32.and (i32.and
                          (i32.or (i32.or
                            (i32.lt_u (i32.wrap_i64 (i64.add
                              (i64.popcnt (i64.xor (local.get $x0) (local.get $z0)))
                              (i64.popcnt (i64.xor (local.get $x1) (local.get $z1))))) (local.get $r1))
                            (i32.shl (i32.lt_u (i32.wrap_i64 (i64.add
                              (i64.popcnt (i64.xor (local.get $x0) (local.get $w0)))
                              (i64.popcnt (i64.xor (local.get $x1) (local.get $w1))))) (local.get $r1)) (i32.const 1)))
                          (i32.or
                            (i32.shl (i32.lt_u (i32.wrap_i64 (i64.add
                              (i64.popcnt (i64.xor (local.get $y0) (local.get $z0)))
                              (i64.popcnt (i64.xor (local.get $y1) (local.get $z1))))) (local.get $r1)) (i32.const 2))
                            (i32.shl (i32.lt_u (i32.wrap_i64 (i64.add
                              (i64.popcnt (i64.xor (local.get $y0) (local.get $w0)))
                              (i64.popcnt (i64.xor (local.get $y1) (local.get $w1))))) (local.get $r1)) (i32.const 3))))
                          (local.get $rowMask))
                          (select (i32.const 15) (i32.const 5)
                            (i32.gt_u (i32.sub (local.get $b1) (local.get $bo)) (i32.const 36)))))
                        (if (local.get $pass)
                          (then
                            (loop $each
                              (local.set $bit (i32.ctz (local.get $pass)))
                              (local.set $pass (i32.and (local.get $pass) (i32.sub (local.get $pass) (i32.const 1))))
                              (local.set $at (i32.add (local.get $bo) (i32.mul (i32.and (local.get $bit) (i32.const 1)) (i32.const 36))))
                              (local.set $ar (i32.add (local.get $ao) (i32.mul (i32.shr_u (local.get $bit) (i32.const 1)) (i32.const 36))))
                              ;; The whole distance, then: reported by an earlier table whose chunk
                              ;; is within its τ? Then skip it.
                              (local.set $d (i32.wrap_i64 (i64.add
                                (i64.add
                                  (i64.popcnt (i64.xor (i64.load align=4 (local.get $ar)) (i64.load align=4 (local.get $at))))
                                  (i64.popcnt (i64.xor (i64.load offset=8 align=4 (local.get $ar)) (i64.load offset=8 align=4 (local.get $at)))))
                                (i64.add
                                  (i64.popcnt (i64.xor (i64.load offset=16 align=4 (local.get $ar)) (i64.load offset=16 align=4 (local.get $at))))
                                  (i64.popcnt (i64.xor (i64.load offset=24 align=4 (local.get $ar)) (i64.load offset=24 align=4 (local.get $at))))))))
                              (block $skip
                                (br_if $skip (i32.gt_u (local.get $d) (local.get $radius)))
                                (local.set $e (local.get $earlier))
                                (loop $tables
                                  (if (i32.lt_u (local.get $e) (local.get $eEnd))
                                    (then
                                      (local.set $lane (i32.load (local.get $e)))
                                      (br_if $skip (i32.le_u
                                        (i32.wrap_i64 (i64.add
                                          (i64.popcnt (i64.and (i64.load offset=8 (local.get $e))
                                            (i64.xor
                                              (i64.load align=4 (i32.add (local.get $ar) (local.get $lane)))
                                              (i64.load align=4 (i32.add (local.get $at) (local.get $lane))))))
                                          (i64.popcnt (i64.and (i64.load offset=24 (local.get $e))
                                            (i64.xor
                                              (i64.load align=4 (i32.add (local.get $ar) (i32.load offset=16 (local.get $e))))
                                              (i64.load align=4 (i32.add (local.get $at) (i32.load offset=16 (local.get $e)))))))))
                                        (i32.load offset=4 (local.get $e))))
                                      (local.set $e (i32.add (local.get $e) (i32.const 32)))
                                      (br $tables))))
                                (local.set $lane (i32.add (local.get $out) (i32.mul (local.get $n) (i32.const 12))))
                                (i32.store (local.get $lane) (i32.load offset=32 (local.get $ar)))
                                (i32.store offset=4 (local.get $lane) (i32.load offset=32 (local.get $at)))
                                (i32.store offset=8 (local.get $lane) (local.get $d))
                                (local.set $n (i32.add (local.get $n) (i32.const 1))))
                              (br_if $each (local.get $pass)))))
                        (local.set $bo (i32.add (local.get $bo) (i32.const 72)))
                        (br $pairs)))
                    (local.set $ao (i32.add (local.get $ao) (i32.const 72)))
                    (br $rows)))
                (local.set $ao (i32.const 0))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $probes)))))
        (local.set $j (i32.const 0))
        (local.set $key (i32.add (local.get $key) (i32.const 1)))
        (br $keys)))
    (i32.store (local.get $state) (local.get $size))
    (i32.store offset=4 (local.get $state) (i32.const 0))
    (i32.store offset=8 (local.get $state) (i32.const 0))
    (local.get $n))
)
