import { shippedStacks } from './support/synthesized';

// The whole Terraform JSON of every stack of every environment: any change to what Groundwork
// generates shows up in review as a snapshot diff.
describe.each([...shippedStacks().keys()].sort())('%s', (name) => {
  it('matches its snapshot', () => {
    expect(shippedStacks().get(name)).toMatchSnapshot();
  });
});
