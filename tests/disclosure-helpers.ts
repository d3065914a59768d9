import { findDomain } from '../worker/db/bugs';
import { addOwner } from '../worker/db/owners';
import { db, seedBug, signUp, uniqueHost } from './helpers';

/** A private report by a new reporter on a new domain that has a new owner. */
export async function privateReportWithOwner() {
  const host = uniqueHost('disclose');
  const reporter = await signUp('reporter');
  const owner = await signUp('owner');
  const id = await seedBug({
    hostname: host,
    title: `Private finding on ${host}`,
    userId: reporter.id,
    isHidden: true,
  });
  const domainId = (await findDomain(db(), host))!.id;
  await addOwner(db(), { domainId, userId: owner.id, addedBy: null, method: 'added' });
  return { host, reporter, owner, id, domainId };
}
