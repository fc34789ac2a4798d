import { describe, expect, it } from 'vitest';
import { matchWatchTopics } from '../../../src/workers/classify/watch-topics.js';
import { parseWatchTopics, watchTopicSchema } from '../../../src/shared/watch-topics.js';

describe('watch topic validation', () => {
  it('accepts nested any/all/not groups', () => {
    const t = parseWatchTopics([{ name: 'war', any: ['Ukraine', { all: ['Russia', 'drones'] }], not: ['football'] }]);
    expect(t[0]!.name).toBe('war');
  });

  it.each([
    [{ name: 'x' }, /"any" or "all"/],
    [{ name: 'x', not: ['a'] }, /"any" or "all"/],
    [{ name: 'Bad Name', any: ['a'] }, /lower-case slug/],
    [{ name: 'x', any: [''] }, /cannot be empty/],
    [{ name: 'x', any: ['entity:'] }, /entity: needs a name/],
    [{ name: 'x', any: [{ not: ['a'] }] }, /"any" or "all"/],
    [{ name: 'x', anyy: ['a'], any: ['b'] }, /anyy/],
  ])('rejects %j with a clear message', (topic, message) => {
    expect(() => parseWatchTopics([topic])).toThrow(message);
    expect(watchTopicSchema.safeParse(topic).success).toBe(false);
  });

  it('says where the problem is and rejects duplicate names', () => {
    expect(() => parseWatchTopics([{ name: 'a', any: ['x'] }, { name: 'b', any: ['y', ''] }])).toThrow('watchTopics[1].any[1]');
    expect(() => parseWatchTopics([{ name: 'a', any: ['x'] }, { name: 'a', any: ['y'] }])).toThrow(/unique/);
  });
});

describe('watch topic matching', () => {
  const topics = parseWatchTopics([
    { name: 'russia-ukraine-war', any: ['Ukraine', 'Kyiv'], all: [{ any: ['Russia', 'Moscow', 'entity:Kremlin'] }], not: ['football'] },
    { name: 'rates', any: ['interest rates', 'central bank'] },
  ]);
  const match = (text: string, entities: string[] = []) =>
    matchWatchTopics(topics, { text, entities: entities.map((name) => ({ name, type: 'organization', count: 1 })) });

  it('needs any, all and no not term', () => {
    expect(match('Russia launched drones at Kyiv overnight')).toEqual(['russia-ukraine-war']);
    expect(match('Kyiv hosted a concert')).toEqual([]);
    expect(match('Russia and Ukraine drew at football')).toEqual([]);
  });

  it('matches entities through entity: terms', () => {
    expect(match('Ukraine said the statement was false', ['Kremlin'])).toEqual(['russia-ukraine-war']);
  });

  it('matches phrases case-insensitively on word boundaries only', () => {
    expect(match('The Central   Bank held INTEREST-RATES')).toEqual(['rates']);
    expect(match('Kyivstar shares rose in Russia')).toEqual([]);
  });
});
