import * as fs from 'node:fs';
import { join } from 'node:path';
import { readHashSetFile, vicsFormat } from '@vestige/hashing';
import { seconds } from '../support.ts';

/**
 * VICS parsing speed: a 1 M-entry #Media document shaped like a national set (MD5, SHA1, size,
 * flags, tags, PDQ and PhotoDNA in AlternativeHashes, one MediaFiles record), read once with the
 * set's version hash (SHA-256 of the bytes) computed over the same reads.
 */
function hex(n: number, len: number): string {
  return ((n * 2654435761) >>> 0).toString(16).padStart(8, '0').repeat(8).slice(0, len);
}

function writeSet(path: string, entries: number): void {
  const fd = fs.openSync(path, 'w');
  fs.writeSync(
    fd,
    '{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media","value":[',
  );
  let batch = '';
  for (let i = 0; i < entries; i++) {
    const md5 = hex(i, 32).toUpperCase();
    batch += `${i ? ',' : ''}\n{"MediaID":${i + 1},"Category":${i % 4},"MD5":"${md5}","SHA1":"${hex(i + 7, 40).toUpperCase()}","MediaSize":${1000 + i},"VictimIdentified":"false","IsDistributed":"true","Tags":"series-${i % 97}","AlternativeHashes":[{"HashName":"PDQ","HashValue":"${hex(i + 3, 64)}"},{"HashName":"PhotoDNA","HashValue":"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="}],"MediaFiles":[{"FileName":"img${i}.jpg","FilePath":"C:\\\\seized\\\\img${i}.jpg","MD5":"${md5}"}]}`;
    if (batch.length > 1 << 20) {
      fs.writeSync(fd, batch);
      batch = '';
    }
  }
  fs.writeSync(fd, batch + '\n]}\n');
  fs.closeSync(fd);
}

export async function benchVicsParsing(workDir: string, entries: number) {
  const path = join(workDir, `vics-${entries}.json`);
  if (!fs.existsSync(path)) writeSet(path, entries);
  const bytes = fs.statSync(path).size;
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  let read = 0;
  let digest = '';
  const cpu0 = process.cpuUsage();
  const t = process.hrtime.bigint();
  for await (const r of readHashSetFile(path, vicsFormat, (d) => (digest = d))) {
    if (r.kind !== 'entry') throw new Error(r.error.message);
    if ((++read & 0xffff) === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const wall = seconds(t);
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    entries: read,
    bytes,
    wallSeconds: wall,
    megabytesPerSecond: bytes / 1e6 / wall,
    cpuSeconds,
    megabytesPerCpuSecond: bytes / 1e6 / cpuSeconds,
    target: 60,
    meetsTarget: bytes / 1e6 / wall >= 60,
    versionHash: `sha256:${digest.slice(0, 16)}`,
    onePass: true,
    peakRssGrowthBytes: peakRss - rssBefore,
    note: "One read of the file: the bytes feed SHA-256 (the set version) and the streaming parser in the same pass. CPU seconds include V8's garbage-collector threads.",
  };
}
